/**
 * The flows model (docs/flows.md), as the oauth/*_native calls use it: resolve the flow a call
 * names, read and validate one of its forms, fill a form from a social profile.
 */
export { resolveFlow, flowNotFound, type FlowParams } from './resolve.js';
export { readForm, attributesOf, type FieldValue, type FormValues, type ReadFormOptions, type UniqueCheck } from './read-form.js';
export { formFieldsFromProfile } from './prefill.js';
export { makeFlow, type Flow } from './flow.js';
export { STANDARD_FLOW_NAME, provisionStandardFlow, standardFlowDefinition } from './provision.js';
export type { FieldDef, FieldType, FlowDefinition, FormDef, Translatable, ValidationRule } from './definition.js';
