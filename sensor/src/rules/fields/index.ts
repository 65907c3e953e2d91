// rules/fields: the field registry (every field Falco rules and sysdig formats read) and its per-event
// extraction context. Public surface of the fields part of the rules stage.
export { FIELD_REGISTRY, FIELD_CLASSES, ALL_FIELDS, FieldRegistry, classOf, renderValue, type FieldClass, type ParsedField } from './registry.js';
export { FieldContext, type MetadataView, type ParamSource, type ThreadFacts, type ThreadView, type FdView, type SocketEnds } from './context.js';
export { FieldError, field, type BoundField, type FieldDef, type FieldType, type FieldValue, type FieldArgSpec, type FieldErrorCode } from './types.js';
export { eventTypeName, resultOf } from './evt.js';
export { capsToString, cmdline } from './proc.js';
export { ClockCache } from './time.js';
export { fitWidth, partValue, renderPart, scanFormat, type FieldPart, type FormatPart, type ScanOptions } from './format-scan.js';
