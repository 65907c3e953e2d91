// evt.* and syscall.type: facts of the event itself (number, time, type, direction, parameters, result).
// Semantics follow libsinsp's sinsp_filter_check_event / gen_event; differences are said in the desc.
import { ScapFdType } from '../../schema/capture-types.js';
import { EVENTS, paramIndexTable } from '../../schema/index.js';
import { paramIndexOf } from '../../state/system-state.js';
import { errnoName, ppmScCategory, ppmScName } from '../../decode/names.js';
import type { EventView } from '../../decode/event-view.js';
import type { FieldContext } from './context.js';
import { ClockCache, humanDuration, iso8601 } from './time.js';
import { field, FieldError, type FieldDef } from './types.js';

const PPME_GENERIC_E = 0, PPME_GENERIC_X = 1;
const NS = 1_000_000_000n;
/** sysdig 0.29.3 names for events renamed since. */
const LEGACY_EVENT_NAMES: Record<number, string> = { 196: 'sysdigevent', 197: 'sysdigevent' };
/** Param names sysdig prints under an older name (evt.arg.pgid of execve is our vpgid). */
const LEGACY_PARAM_NAMES: Record<string, Record<string, string>> = { execve: { pgid: 'vpgid' } };

const has = (cat: string) => Uint8Array.from(EVENTS, (e) => (e.categories.includes(cat) ? 1 : 0));
const IO_READ = has('EC_IO_READ'), IO_WRITE = has('EC_IO_WRITE'), IO_OTHER = has('EC_IO_OTHER'), WAIT = has('EC_WAIT');
const SYSCALL = has('EC_SYSCALL');
const CATEGORY: readonly string[] = EVENTS.map((e) => {
  if (e.categories.includes('EC_WAIT')) return 'wait';
  const c = e.categories.find((x) => !['EC_SYSCALL', 'EC_TRACEPOINT', 'EC_PLUGIN', 'EC_METAEVENT', 'EC_OTHER'].includes(x)) ?? e.categories.find((x) => x === 'EC_OTHER');
  // libsinsp spells EC_IPC in capitals; the others lower case.
  return c === 'EC_IPC' ? 'IPC' : c ? c.slice(3).toLowerCase() : 'unknown';
});

/**
 * libsinsp (sinsp_evt::get_category): I/O events take their category from the fd they use: file, net or ipc;
 * other fd types (epoll, timerfd, netlink, bpf, memfd, ...) and an fd not in the table print `unknown`; generic
 * events that of their syscall.
 */
function category(c: FieldContext): string {
  const t = c.ev.type;
  // Generic `syscall` events: the category of the syscall they stand for.
  if (t === PPME_GENERIC_E || t === PPME_GENERIC_X) return ppmScCategory(c.ev.u16(0));
  if (!(IO_READ[t] || IO_WRITE[t] || IO_OTHER[t])) return CATEGORY[t] ?? 'unknown';
  switch (c.fd()?.type) {
    case ScapFdType.File: case ScapFdType.Directory: case ScapFdType.FileV2: return 'file';
    case ScapFdType.Ipv4Sock: case ScapFdType.Ipv6Sock: case ScapFdType.Ipv4ServSock: case ScapFdType.Ipv6ServSock: return 'net';
    case ScapFdType.Fifo: case ScapFdType.UnixSock: case ScapFdType.Event: case ScapFdType.Signalfd: case ScapFdType.Inotify:
    case ScapFdType.Userfaultfd: return 'ipc';
    default: return 'unknown';
  }
}
/** Index of the `data` param (I/O buffer) per exit event, or -1. */
const DATA_PARAM: Int16Array = Int16Array.from(EVENTS, (e) => (e.dir === '<' ? e.params.findIndex((p) => p.name === 'data' && p.type === 'BYTEBUF') : -1));
/** Index of the result param (`res`, or `fd` for fd-creating exits without one) per exit event, or -1. */
const RES_PARAM: Int16Array = Int16Array.from(EVENTS, (e) => {
  if (e.dir !== '<') return -1;
  const r = e.params.findIndex((p) => p.name === 'res');
  if (r >= 0) return r;
  return e.flags.includes('EF_CREATES_FD') ? e.params.findIndex((p) => p.name === 'fd') : -1;
});
const OPEN_KIND: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.dir === '<' && ['open', 'openat', 'openat2', 'open_by_handle_at'].includes(e.name) ? 1 : e.dir === '<' && e.name === 'creat' ? 2 : 0));

const PPM_O_RDONLY = 1 << 0, PPM_O_WRONLY = 1 << 1, PPM_O_CREAT = 1 << 2, PPM_O_TMPFILE = 1 << 13, PPM_O_F_CREATED = 1 << 14;
const PPM_S_IXANY = (1 << 0) | (1 << 3) | (1 << 6);

const clock = new ClockCache();

/** sysdig evt.type: the event name, or the native syscall name for generic `syscall` events. */
/** evt.type of every event with this id, or undefined when it depends on the event (generic events). */
export function staticEventTypeName(type: number): string | undefined {
  if (type === PPME_GENERIC_E || type === PPME_GENERIC_X) return undefined;
  return LEGACY_EVENT_NAMES[type] ?? EVENTS[type]?.name;
}

export function eventTypeName(ev: EventView): string {
  const type = ev.type;
  if (type === PPME_GENERIC_E || type === PPME_GENERIC_X) return ppmScName(ev.u16(0));
  return LEGACY_EVENT_NAMES[type] ?? EVENTS[type]?.name ?? '<unknown>';
}

/** The event's return value, or undefined for enter events and events without one. */
export function resultOf(ev: EventView): number | undefined {
  const type = ev.type;
  const i = type < RES_PARAM.length ? RES_PARAM[type] : -1;
  if (i < 0 || i >= ev.paramCount()) return undefined;
  return ev.i64(i);
}

/** evt.arg / evt.rawarg argument: a param index (`[0]`) or a param name (`.fd`), parsed at compile time. */
export interface ParamArg { readonly index: number; readonly name: string }

function parseParamArg(text: string): ParamArg {
  if (/^\d{1,3}$/.test(text)) return { index: Number(text), name: '' };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) throw new FieldError('EFIELD_ARG', `evt.arg: bad parameter name ${JSON.stringify(text)}`);
  return { index: -1, name: text };
}

/** The param index an argument selects in this event, or -1. */
export function paramIndex(ev: EventView, arg: ParamArg): number {
  const n = ev.paramCount();
  if (arg.index >= 0) return arg.index < n ? arg.index : -1;
  const type = ev.type;
  let i = paramIndexOf(type, arg.name);
  if (i < 0) {
    const legacy = LEGACY_PARAM_NAMES[EVENTS[type]?.name ?? '']?.[arg.name];
    if (legacy !== undefined) i = paramIndexOf(type, legacy);
  }
  return i < n ? i : -1;
}

/** Latency in ns: exit ts minus the ts of its enter event, when the state recorded it (else 0). */
function latency(ctx: FieldContext): number {
  const ev = ctx.ev;
  if (ctx.isEnter()) return 0;
  const enter = ctx.thread()?.enter as { type: number; ts?: bigint } | undefined;
  if (enter === undefined || enter.ts === undefined || enter.type !== ev.type - 1) return 0;
  const d = ev.ts - enter.ts;
  return d > 0n ? Number(d) : 0;
}

/** Per event type: index of its `flags` / `mode` param (-1 none), read on every open event by open_read & co. */
const FLAGS_PARAM = paramIndexTable('flags');
const MODE_PARAM = paramIndexTable('mode');

/** PPM_O_* flags of an open-like exit (-1 for other events), as libsinsp's evt.is_open_* read them. */
function openFlags(ctx: FieldContext): number {
  const ev = ctx.ev;
  const type = ev.type;
  const kind = type < OPEN_KIND.length ? OPEN_KIND[type] : 0;
  if (kind === 0) return -1;
  const fi = FLAGS_PARAM[type];
  let flags = fi >= 0 && ev.has(fi) ? ev.u32(fi) : -1;
  // Old captures carry the flags on the enter event only.
  if (flags < 0) { const en = ctx.thread()?.enter; flags = en !== undefined && en.type === type - 1 ? en.flags : 0; }
  if (kind === 2) flags |= PPM_O_CREAT | PPM_O_WRONLY;
  return flags;
}

/** The `mode` param of an open-like exit (0 when absent). */
function openMode(ctx: FieldContext): number {
  const ev = ctx.ev;
  const mi = ev.type < MODE_PARAM.length ? MODE_PARAM[ev.type] : -1;
  return mi >= 0 && ev.has(mi) ? ev.u32(mi) : 0;
}

const ioDir = (t: number): string | undefined => (t < IO_READ.length && IO_READ[t] === 1 ? 'read' : t < IO_WRITE.length && IO_WRITE[t] === 1 ? 'write' : undefined);

export const EVT_FIELDS: readonly FieldDef<any>[] = [
  field({ name: 'evt.num', type: 'uint64', desc: 'event number (1-based; internal events included, as sysdig counts)', extract: (c) => c.ev.num }),
  field({ name: 'evt.time', type: 'string', desc: 'event timestamp as a local time string with nanoseconds (HH:MM:SS.nnnnnnnnn)', extract: (c) => clock.time(c.ev.ts) }),
  field({ name: 'evt.time.s', type: 'string', desc: 'event timestamp as a local time string without nanoseconds', extract: (c) => clock.timeS(c.ev.ts) }),
  field({ name: 'evt.time.iso8601', type: 'string', desc: 'event timestamp in ISO 8601 with nanoseconds, in UTC (+0000)', extract: (c) => iso8601(c.ev.ts) }),
  field({ name: 'evt.datetime', type: 'string', desc: 'event timestamp as a local date and time with nanoseconds', extract: (c) => clock.datetime(c.ev.ts) }),
  field({ name: 'evt.datetime.s', type: 'string', desc: 'event timestamp as a local date and time without nanoseconds', extract: (c) => clock.datetimeS(c.ev.ts) }),
  field({ name: 'evt.outputtime', type: 'string', desc: 'event timestamp as printed in outputs (same text as evt.time)', extract: (c) => clock.time(c.ev.ts) }),
  field({ name: 'evt.rawtime', type: 'abstime', desc: 'absolute event timestamp, ns since the epoch', extract: (c) => c.ev.ts }),
  field({ name: 'evt.rawtime.s', type: 'abstime', desc: 'integer part of the event timestamp (seconds since the epoch)', extract: (c) => c.ev.ts / NS }),
  field({ name: 'evt.rawtime.ns', padded: true, type: 'abstime', desc: 'fractional part of the event timestamp, in ns', extract: (c) => c.ev.ts % NS }),
  field({ name: 'evt.reltime', padded: true, type: 'reltime', desc: 'ns since the first event read (hidden and filtered-out events included, as libsinsp counts)', extract: (c) => c.ev.ts - c.firstTs }),
  field({ name: 'evt.reltime.s', type: 'reltime', desc: 'integer part of evt.reltime, in seconds', extract: (c) => (c.ev.ts - c.firstTs) / NS }),
  field({ name: 'evt.reltime.ns', padded: true, type: 'reltime', desc: 'fractional part of evt.reltime, in ns', extract: (c) => (c.ev.ts - c.firstTs) % NS }),
  field({ name: 'evt.deltatime', type: 'reltime', desc: 'ns since the previous event (every event in rules; the previous one printed in sensord events, as sysdig)', extract: (c) => c.ev.ts - c.prevTs }),
  field({ name: 'evt.deltatime.s', type: 'reltime', desc: 'integer part of evt.deltatime, in seconds', extract: (c) => (c.ev.ts - c.prevTs) / NS }),
  field({ name: 'evt.deltatime.ns', padded: true, type: 'reltime', desc: 'fractional part of evt.deltatime, in ns', extract: (c) => (c.ev.ts - c.prevTs) % NS }),
  field({ name: 'evt.latency', type: 'reltime', desc: 'ns between an exit event and its enter event; 0 for enter events and when the enter event was not seen (modern probes drop most enter events)', extract: (c) => latency(c) }),
  field({ name: 'evt.latency.s', type: 'reltime', desc: 'integer part of evt.latency, in seconds', extract: (c) => Math.floor(latency(c) / 1e9) }),
  field({ name: 'evt.latency.ns', padded: true, type: 'reltime', desc: 'fractional part of evt.latency, in ns', extract: (c) => latency(c) % 1e9 }),
  field({ name: 'evt.latency.human', type: 'string', desc: 'evt.latency as text (e.g. 10.30ms)', extract: (c) => humanDuration(latency(c)) }),
  field({ name: 'evt.dir', type: 'string', desc: "event direction: '>' enter, '<' exit", extract: (c) => EVENTS[c.ev.type]?.dir }),
  field({ name: 'evt.type', type: 'string', desc: "event name (e.g. 'open'); generic syscall events show the syscall name", extract: (c) => eventTypeName(c.ev) }),
  field({ name: 'syscall.type', type: 'string', desc: 'for syscall events, the syscall name; unset for other events', extract: (c) => (c.ev.type < SYSCALL.length && SYSCALL[c.ev.type] === 1 ? eventTypeName(c.ev) : undefined) }),
  field({ name: 'evt.category', type: 'string', desc: "event category ('file', 'net', 'process', 'memory', ...)", extract: (c) => category(c) }),
  field({ name: 'evt.cpu', type: 'int32', desc: 'CPU the event happened on', extract: (c) => c.ev.cpu }),
  field({ name: 'evt.args', type: 'string', desc: 'all event parameters as one string (name=value ...)', extract: (c) => c.params.args(c.ev) }),
  field({ name: 'evt.info', type: 'string', desc: 'same as evt.args (the syslog decoding sysdig adds is not done)', extract: (c) => c.params.args(c.ev) }),
  field<ParamArg>({
    name: 'evt.arg', type: 'string', arg: { kind: 'name', required: true }, parseArg: parseParamArg,
    desc: 'one event parameter by name (evt.arg.fd) or index (evt.arg[0]), resolved to text when possible (fd -> <f>/path)',
    extract: (c, a) => {
      const i = paramIndex(c.ev, a);
      return i < 0 ? undefined : c.params.text(c.ev, i);
    },
  }),
  field<ParamArg>({
    name: 'evt.rawarg', type: 'string', arg: { kind: 'name', required: true }, parseArg: parseParamArg,
    desc: 'one event parameter by name (evt.rawarg.res), unresolved',
    extract: (c, a) => {
      const i = paramIndex(c.ev, a);
      if (i < 0) return undefined;
      c.params.param(c.ev, i);
      return c.params.value;
    },
  }),
  field({
    name: 'evt.buffer', type: 'bytebuf', desc: 'the I/O data buffer of read/write-like exit events, non-printables as dots',
    extract: (c) => { const i = DATA_PARAM[c.ev.type] ?? -1; if (i < 0 || i >= c.ev.paramCount()) return undefined; c.params.param(c.ev, i); return c.params.value; },
  }),
  field({
    name: 'evt.buflen', type: 'uint64', desc: 'length of the I/O data buffer (the byte count the exit event returned)',
    extract: (c) => { const t = c.ev.type; if (c.isEnter() || !(IO_READ[t] || IO_WRITE[t] || IO_OTHER[t]) || c.fd() === undefined) return undefined; const r = resultOf(c.ev); return r !== undefined && r >= 0 ? r : undefined; },
  }),
  field({ name: 'evt.res', type: 'string', desc: "return value as text: 'SUCCESS' or the error code (e.g. ENOENT)", extract: (c) => { const r = resultOf(c.ev); return r === undefined ? undefined : r >= 0 ? 'SUCCESS' : (errnoName(r | 0) || String(r)); } }),
  field({ name: 'evt.rawres', type: 'int64', desc: 'return value as a number (e.g. -2)', extract: (c) => resultOf(c.ev) }),
  field({ name: 'evt.failed', type: 'bool', desc: "'true' for events that returned an error", extract: (c) => { const r = resultOf(c.ev); return r !== undefined && r < 0; } }),
  field({ name: 'evt.is_io', type: 'bool', desc: "'true' for events that read or write data (read, send, recvfrom, ...)", extract: (c) => ioDir(c.ev.type) !== undefined }),
  field({ name: 'evt.is_io_read', type: 'bool', desc: "'true' for events that read data", extract: (c) => IO_READ[c.ev.type] === 1 }),
  field({ name: 'evt.is_io_write', type: 'bool', desc: "'true' for events that write data", extract: (c) => IO_WRITE[c.ev.type] === 1 }),
  field({ name: 'evt.io_dir', type: 'string', desc: "'read' or 'write' for I/O events", extract: (c) => ioDir(c.ev.type) }),
  field({ name: 'evt.is_wait', type: 'bool', desc: "'true' for events that make the thread wait (sleep, select, poll)", extract: (c) => WAIT[c.ev.type] === 1 }),
  field({ name: 'evt.count', type: 'uint32', desc: 'always 1 (for counting)', extract: () => 1 }),
  field({ name: 'evt.count.error', type: 'uint32', desc: '1 for events that returned an error', extract: (c) => { const r = resultOf(c.ev); return r !== undefined && r < 0 ? 1 : 0; } }),
  field({ name: 'evt.count.exit', type: 'uint32', desc: '1 for exit events', extract: (c) => (c.isEnter() ? 0 : 1) }),
  field({ name: 'evt.is_open_read', type: 'bool', desc: "'true' for open/openat/openat2/open_by_handle_at exits that opened the path for reading", extract: (c) => { const f = openFlags(c); return f >= 0 && (f & PPM_O_RDONLY) !== 0; } }),
  field({ name: 'evt.is_open_write', type: 'bool', desc: "'true' for open/openat/openat2/open_by_handle_at/creat exits that opened the path for writing", extract: (c) => { const f = openFlags(c); return f >= 0 && (f & PPM_O_WRONLY) !== 0; } }),
  field({ name: 'evt.is_open_exec', type: 'bool', desc: "'true' for open-like exits that create a file (O_CREAT/O_TMPFILE) with an execute permission bit", extract: (c) => { const f = openFlags(c); return f >= 0 && (f & (PPM_O_CREAT | PPM_O_TMPFILE)) !== 0 && (openMode(c) & PPM_S_IXANY) !== 0; } }),
  field({ name: 'evt.is_open_create', type: 'bool', desc: "'true' for open-like exits that created the file (O_F_CREATED, reported by modern probes)", extract: (c) => { const f = openFlags(c); return f >= 0 && (f & PPM_O_F_CREATED) !== 0; } }),
  field({ name: 'evt.hostname', type: 'string', desc: 'hostname of the machine (from the capture or /proc)', extract: (c) => c.hostname || undefined }),
  field({ name: 'evt.source', type: 'string', desc: "event source: always 'syscall'", extract: () => 'syscall' }),
  field({ name: 'evt.is_async', type: 'bool', desc: "'true' for asynchronous (metadata) events: always false here", extract: () => false }),
];
