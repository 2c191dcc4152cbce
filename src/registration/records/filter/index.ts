/** The entity.find / entity.count filter language and sort_on, compiled to parameterised SQL for both databases. */
export { attributeIndexColumnSql, attributeSql, isCaseInsensitive, isComparable, type AttributeInfo, type AttributeResolver, type AttributeType } from './attribute.js';
export { compileFilter, filterShape, filterSql, filterValues, type FilterContext, type FilterValue } from './compile.js';
export { formatCondition, parseFilter, MAX_DEPTH, type CompareOperator, type Condition, type Literal } from './parser.js';
export { MAX_FILTER_LENGTH } from './lexer.js';
export { compileSort, parseSortOn, MAX_SORT_KEYS, type SortKey } from './sort.js';
