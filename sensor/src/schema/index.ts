// The event table as typed lookups: ids, names, directions, categories, flags and parameter layouts.
// Everything that reads or writes ppm records (probe header, decoder, scap reader/writer) goes through here.
import { EVENT_ROWS } from './event-table.js';
import { PROBED_SYSCALLS } from './syscalls.js';

export { EVENT_ROWS } from './event-table.js';
export { PROBED_SYSCALLS, PROBED_TRACEPOINT_EVENTS, type ProbedSyscall } from './syscalls.js';

/** Falco's `ppm_param_type` name without the `PT_` prefix (CHARBUF, FD, SOCKTUPLE, ...). */
export type ParamType = string;

/** Param value encodings as the decoder sees them. */
export const enum ParamKind {
  Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, String, Bytes, SockAddr, SockTuple, FdList, Dyn,
  Double, Other,
}

/** Print format; '' where the table gives none. */
export type ParamFormat = 'DEC' | 'HEX' | 'OCT' | '';

export interface ParamInfo {
  readonly name: string;
  readonly type: ParamType;
  readonly fmt: ParamFormat;
  readonly kind: ParamKind;
}

export interface EventInfo {
  readonly id: number;
  readonly code: string;
  readonly name: string;
  readonly dir: '>' | '<';
  readonly categories: readonly string[];
  readonly flags: readonly string[];
  readonly params: readonly ParamInfo[];
  /** Param lengths are u32 instead of u16 (EF_LARGE_PAYLOAD). */
  readonly largePayload: boolean;
  readonly oldVersion: boolean;
  readonly unused: boolean;
  /** EC_INTERNAL / EC_METAEVENT-style events sysdig hides from its default view. */
  readonly internal: boolean;
}

export const PPM_EVENT_MAX = EVENT_ROWS.length;

const KIND_OF: Record<string, ParamKind> = {
  INT8: ParamKind.Int8, INT16: ParamKind.Int16, INT32: ParamKind.Int32, INT64: ParamKind.Int64,
  UINT8: ParamKind.UInt8, UINT16: ParamKind.UInt16, UINT32: ParamKind.UInt32, UINT64: ParamKind.UInt64,
  CHARBUF: ParamKind.String, FSPATH: ParamKind.String, FSRELPATH: ParamKind.String, BYTEBUF: ParamKind.Bytes,
  CHARBUFARRAY: ParamKind.Bytes, CHARBUF_PAIR_ARRAY: ParamKind.Bytes,
  ERRNO: ParamKind.Int64, FD: ParamKind.Int64, PID: ParamKind.Int64, FD32: ParamKind.Int32, PID32: ParamKind.Int32,
  SOCKADDR: ParamKind.SockAddr, SOCKTUPLE: ParamKind.SockTuple, FDLIST: ParamKind.FdList, DYN: ParamKind.Dyn,
  SYSCALLID: ParamKind.UInt16, SIGTYPE: ParamKind.UInt8, RELTIME: ParamKind.UInt64, ABSTIME: ParamKind.UInt64,
  PORT: ParamKind.UInt16, L4PROTO: ParamKind.UInt8, SOCKFAMILY: ParamKind.UInt8, BOOL: ParamKind.UInt32,
  IPV4ADDR: ParamKind.UInt32, IPV6ADDR: ParamKind.Bytes, FLAGS8: ParamKind.UInt8, FLAGS16: ParamKind.UInt16,
  FLAGS32: ParamKind.UInt32, ENUMFLAGS8: ParamKind.UInt8, ENUMFLAGS16: ParamKind.UInt16,
  ENUMFLAGS32: ParamKind.UInt32, UID: ParamKind.UInt32, GID: ParamKind.UInt32, MODE: ParamKind.UInt32,
  SIGSET: ParamKind.UInt32, DOUBLE: ParamKind.Double,
};

function parseParams(spec: string, id: number): ParamInfo[] {
  if (spec === '') return [];
  return spec.split(';').map((part) => {
    const [name, type, fmt = ''] = part.trim().split(':');
    const kind = KIND_OF[type];
    if (kind === undefined) throw new Error(`event table row ${id}: unknown param type ${type}`);
    return { name, type, fmt: fmt as ParamFormat, kind };
  });
}

export const EVENTS: readonly EventInfo[] = EVENT_ROWS.map(([id, code, name, dir, cats, flags, params], index) => {
  if (id !== index) throw new Error(`event table row ${index} has id ${id}: rows must be dense and ordered`);
  const categories = cats.split('|').filter(Boolean);
  const flagList = flags.split('|').filter(Boolean);
  return {
    id, code, name, dir, categories, flags: flagList, params: parseParams(params, id),
    largePayload: flagList.includes('EF_LARGE_PAYLOAD'),
    oldVersion: flagList.includes('EF_OLD_VERSION'),
    unused: flagList.includes('EF_UNUSED'),
    internal: categories.includes('EC_INTERNAL'),
  };
});

/** 1 where the event's param lengths are u32 (EF_LARGE_PAYLOAD), by id: a typed table for hot loops. */
export const LARGE_PAYLOAD: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.largePayload ? 1 : 0));

const byCode = new Map(EVENTS.map((e) => [e.code, e]));

export function eventByCode(code: string): EventInfo {
  const e = byCode.get(code);
  if (!e) throw new Error(`unknown event code ${code}`);
  return e;
}

/** The current exit event of a syscall: the highest exit id with its name that is not an old version. */
export function currentExitEvent(syscall: string): EventInfo | undefined {
  let best: EventInfo | undefined;
  for (const e of EVENTS) if (e.name === syscall && e.dir === '<' && !e.oldVersion && !e.unused) best = e;
  return best;
}

/** Parameter index by name for one event, or -1. */
export function paramIndex(e: EventInfo, name: string): number {
  return e.params.findIndex((p) => p.name === name);
}

/** Per event id, the index of the parameter called `name` (-1 absent): hot paths read these, not names. */
export function paramIndexTable(name: string): Int8Array { return Int8Array.from(EVENTS, (e) => paramIndex(e, name)); }

/** Event ids the probe emits, in id order. */
export function probeEventIds(): number[] {
  const ids = new Set<number>([eventByCode('PPME_PROCEXIT_1_E').id]);
  for (const s of PROBED_SYSCALLS) {
    const e = currentExitEvent(s.name);
    if (!e) throw new Error(`no current exit event for probed syscall ${s.name}`);
    ids.add(e.id);
  }
  return [...ids].sort((a, b) => a - b);
}
