// The shape of a field (HOUSE-STYLE 9): one table entry with its name, type, description, argument rule and
// extractor. Extractors are plain functions over a per-event FieldContext; they allocate nothing they can avoid.
import type { FieldContext } from './context.js';

/** Value types, named after libsinsp's PT_* types (the ones fields use). */
export type FieldType =
  | 'string' | 'charbuf' | 'bytebuf'
  | 'int32' | 'int64' | 'uint32' | 'uint64' | 'double'
  | 'bool' | 'ipaddr' | 'ipnet' | 'port' | 'abstime' | 'reltime';

/**
 * A typed value: strings for text and addresses, numbers for ids and sizes (exact below 2^53), bigints for
 * timestamps, inodes and capability masks, booleans, a string list for multi-value fields. `undefined` is
 * "not available for this event" and prints as `<NA>`.
 */
export type FieldValue = string | number | bigint | boolean | readonly string[] | undefined;

/** `index`: proc.aname[2], evt.arg[0]; `key`: k8s.pod.label[app], container.mount.dest[/etc]; `name`: evt.arg.NAME. */
export interface FieldArgSpec {
  readonly kind: 'index' | 'key' | 'name';
  readonly required: boolean;
}

export interface FieldDef<A = unknown> {
  readonly name: string;
  readonly type: FieldType;
  readonly desc: string;
  readonly arg?: FieldArgSpec;
  /** Printed in hex (libsinsp PF_HEX), e.g. fd.dev. */
  readonly hex?: boolean;
  /** Printed with at least 9 digits, zero-padded (libsinsp PF_10_PADDED_DEC), e.g. evt.rawtime.ns. */
  readonly padded?: boolean;
  /**
   * libsinsp marks it EPF_FILTER_ONLY (fd.ip, fd.net, ...): in conditions it matches any of its values. sysdig
   * refuses it in -p formats; we accept it and print the candidate values as a list `(a,b)`.
   */
  readonly filterOnly?: boolean;
  /** Turns the argument text into the value extract() receives, once, when a format or condition compiles. */
  readonly parseArg?: (text: string) => A;
  readonly extract: (ctx: FieldContext, arg: A) => FieldValue;
  /**
   * In conditions, the field without its optional argument matches any of these values (libsinsp: proc.aname
   * without [N] compares every ancestor). Printed, the field still goes through `extract`.
   */
  readonly anyOfWithoutArg?: (ctx: FieldContext) => FieldValue;
  /**
   * The value comes from container/pod metadata the enrichment stage fetches asynchronously: an event judged by a
   * rule that reads such a field waits (bounded) for the metadata of a container seen for the first time.
   */
  readonly enrichment?: boolean;
}

/** Stable error codes (HOUSE-STYLE 14). */
export type FieldErrorCode = 'EFIELD_UNKNOWN' | 'EFIELD_ARG' | 'EFIELD_SYNTAX';

export class FieldError extends Error {
  constructor(readonly code: FieldErrorCode, message: string, readonly position = 0) {
    super(message);
    this.name = 'FieldError';
  }
}

/** A field definition bound to its parsed argument and a cache slot; what compiled formats/conditions hold. */
export interface BoundField {
  readonly def: FieldDef<any>;
  readonly arg: unknown;
  /** Canonical text (`proc.aname[2]`, `evt.arg.fd`): two uses of the same text share one slot. */
  readonly key: string;
  readonly slot: number;
}

/** Index arguments: a non-negative decimal integer. */
export function parseIndexArg(field: string) {
  return (text: string): number => {
    if (!/^\d{1,9}$/.test(text)) throw new FieldError('EFIELD_ARG', `${field}: expected a numeric index in [], got ${JSON.stringify(text)}`);
    return Number(text);
  };
}

/** Helper so each class file can list typed entries without repeating generics. */
export function field<A = undefined>(def: FieldDef<A>): FieldDef<A> { return def; }
