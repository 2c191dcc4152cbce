import type { EntityType } from '../../schema/entity-types.js';
import { FlowDefinitionError, targetPaths, type FieldType, type FlowDefinition } from './definition.js';

/** The attribute types each field type can write (composite parts are text). */
const WRITES: Record<FieldType, readonly string[]> = {
  checkbox: ['boolean'],
  dateselect: ['date', 'dateTime'],
  password: ['password'],
  email: ['string'],
  text: ['string'],
  textarea: ['string'],
  select: ['string'],
  radio: ['string'],
};

/**
 * Checks every field's schemaAttribute against the flow's entity type: the attribute exists,
 * is not reserved (id, uuid, created, lastUpdated), does not sit inside a plural (forms write
 * single values; plurals go through entity.update), and has a type the field can write.
 */
export function checkAgainstSchema(def: FlowDefinition, type: EntityType): void {
  const problems: string[] = [];
  for (const [name, field] of Object.entries(def.fields)) {
    const where = `fields.${name}.schemaAttribute`;
    for (const path of targetPaths(field)) {
      const info = type.resolve(path);
      if (!info) {
        problems.push(`${where}: ${type.name} has no attribute ${path}`);
        continue;
      }
      if (info.column) problems.push(`${where}: ${path} is a reserved attribute that forms cannot write`);
      else if (info.plural) problems.push(`${where}: ${path} is inside the plural ${info.plural.join('.')}; forms write single values (plurals go through entity.update)`);
      else if (!WRITES[field.type].includes(info.type)) problems.push(`${where}: a ${field.type} field cannot write ${path}, a ${info.type} attribute (it writes ${WRITES[field.type].join(' or ')})`);
    }
  }
  def.userData.forEach((path, i) => {
    if (!type.resolve(path)) problems.push(`userData[${i}]: ${type.name} has no attribute ${path}`);
  });
  if (problems.length) throw new FlowDefinitionError(problems);
}
