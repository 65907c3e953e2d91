// Load errors and warnings in Falco's shape (falco_load_result): stable codes, Falco's short descriptions, a chain
// of locations (file → item → key → position in a condition) and a snippet with a caret, plus the text form `-V` prints.
import type { LoadMessage, SourceLocation } from '../types.js';

export const ERROR_CODES = {
  LOAD_ERR_FILE_READ: 'File read error',
  LOAD_ERR_YAML_PARSE: 'YAML parse error',
  LOAD_ERR_YAML_VALIDATE: 'Error validating internal structure of YAML file',
  LOAD_ERR_COMPILE_CONDITION: 'Error compiling condition',
  LOAD_ERR_COMPILE_OUTPUT: 'Error compiling output',
  LOAD_ERR_VALIDATE: 'Error validating rule/macro/list/exception objects',
  LOAD_ERR_EXTENSION: 'Error in extension item',
} as const;

export const WARNING_CODES = {
  LOAD_UNKNOWN_SOURCE: 'Unknown event source',
  LOAD_UNSAFE_NA_CHECK: 'Unsafe <NA> comparison in condition',
  LOAD_NO_EVTTYPE: 'Condition has no event-type restriction',
  LOAD_UNKNOWN_FILTER: 'Unknown field or event-type in condition or output',
  LOAD_UNUSED_MACRO: 'Unused macro',
  LOAD_UNUSED_LIST: 'Unused list',
  LOAD_UNKNOWN_ITEM: 'Unknown rules file item',
  LOAD_DEPRECATED_ITEM: 'Used deprecated item',
  LOAD_WARNING_EXTENSION: 'Warning in extension item',
  LOAD_APPEND_NO_VALUES: 'Overriding/appending with no values',
  LOAD_EXCEPTION_NAME_NOT_UNIQUE: 'Multiple exceptions defined with the same name',
  LOAD_INVALID_MACRO_NAME: 'Invalid macro name',
  LOAD_INVALID_LIST_NAME: 'Invalid list name',
  LOAD_COMPILE_CONDITION: 'Warning in rule condition',
  LOAD_UNKNOWN_KEY: 'Unknown key in item definition',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type WarningCode = keyof typeof WARNING_CODES;

export type Location = SourceLocation & { item_type: string; item_name: string };

/** A source file's text, kept so messages can quote the line they point at. */
export interface FileText { readonly file: string; readonly text: string }

/** Where a message points: a chain of locations, most general first (Falco's rule_loader::context). */
export class Context {
  constructor(readonly locations: readonly Location[], readonly files: ReadonlyMap<string, string>) {}

  child(loc: SourceLocation, item_type: string, item_name = ''): Context {
    return new Context([...this.locations, { ...loc, item_type, item_name }], this.files);
  }

  /** The chain without its innermost location. */
  parent(): Context { return new Context(this.locations.slice(0, -1), this.files); }

  /** The innermost location's line with a caret under its column. */
  snippet(): string {
    const last = this.locations[this.locations.length - 1];
    if (last === undefined) return '';
    const text = this.files.get(last.file);
    if (text === undefined) return '';
    const lines = text.split('\n');
    const line = lines[last.line - 1];
    if (line === undefined) return '';
    return `${line}\n${' '.repeat(Math.max(0, last.col - 1))}^`;
  }
}

export function errorMessage(code: ErrorCode, message: string, ctx: Context): LoadMessage {
  return { code, codedesc: ERROR_CODES[code], message, context: { locations: [...ctx.locations], snippet: ctx.snippet() } };
}

export function warningMessage(code: WarningCode, message: string, ctx: Context): LoadMessage {
  return { code, codedesc: WARNING_CODES[code], message, context: { locations: [...ctx.locations], snippet: ctx.snippet() } };
}

/** One message as `falco -V` prints it: the location chain, the snippet, then CODE (desc): message. */
export function formatMessage(m: LoadMessage): string {
  const out: string[] = [];
  m.context.locations.forEach((l, i) => {
    const what = l.item_type === 'rules content' ? 'In rules content' : l.item_name !== '' ? `${l.item_type} '${l.item_name}'` : l.item_type;
    out.push(`${i === 0 ? '' : '    '}${what}: (${l.file}:${l.line}:${l.col})`);
  });
  if (m.context.snippet !== '') out.push('------', ...m.context.snippet.split('\n'), '------');
  out.push(`${m.code} (${m.codedesc}): ${m.message}`);
  return out.join('\n');
}
