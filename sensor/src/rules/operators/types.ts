// The shape of a condition operator (HOUSE-STYLE 9): one file per operator exporting one OperatorDef, plus a
// registry line in index.ts. The compiler does the type check from `accepts` and asks the operator for JS.
import type { Code, Hoist } from '../compiler/js.js';

/** How libsinsp groups field types for comparisons (flt_is_comparable). */
export type TypeClass = 'string' | 'buffer' | 'number' | 'bool' | 'ip' | 'net';

/** A right-hand side literal converted for the field's type class. */
export type Typed = string | number | bigint | boolean | IpNet;

export interface IpNet { readonly v6: boolean; readonly bytes: Uint8Array; readonly prefix: number }

export interface OperatorInput {
  /** The identifier holding one defined (not undefined), single value of the field. */
  readonly x: Code;
  readonly cls: TypeClass;
  /** Right-hand side literals converted to the class (one for scalar operators; any number for list ones). */
  readonly values: readonly Typed[];
  /** The same literals as written (after unquoting). */
  readonly raw: readonly string[];
  readonly hoist: Hoist;
}

export interface OperatorDef {
  readonly name: string;
  /** Spellings in conditions besides `name` (`==` for `=`). */
  readonly aliases?: readonly string[];
  /** 'none': unary; 'scalar': one value; 'list': a list (or list name). */
  readonly rhs: 'none' | 'scalar' | 'list';
  readonly accepts: readonly TypeClass[];
  /**
   * How a multi-value field (fd.ip, fd.port) combines its values: 'any' (libsinsp: a match of one value matches),
   * 'all' for negative operators (`fd.ip != x` holds only when no value is x).
   */
  readonly multi?: 'any' | 'all';
  /** Only string values (glob patterns, hex for b*): do not convert the RHS for the class. */
  readonly rawValues?: boolean;
  /** JS expression testing `x` against the literal(s). */
  emit(input: OperatorInput): Code;
  /** JS expression comparing `x` with another field's value `y` (val()); absent = val() not supported. */
  emitDynamic?(x: Code, y: Code, cls: TypeClass): Code;
}

export class OperatorError extends Error {
  readonly code = 'EOP_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'OperatorError';
  }
}
