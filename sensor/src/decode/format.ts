// sysdig-compatible text output: renders event parameters the way sysdig 0.29.3 (libsinsp
// sinsp_evt::get_param_as_str + the evt.args filtercheck) prints them, and compiles `-p` formats once into a
// list of literals and bound fields from the field registry (rules/fields), the single source of fields.
import { EVENTS, ParamKind, type ParamInfo } from '../schema/index.js';
import type { CaptureMetadata } from '../schema/capture-types.js';
import type { EventView } from './event-view.js';
import { sockaddrToString, socktupleToString } from './net.js';
import { errnoName, ppmScName, signalName } from './names.js';
import { FLAG_TABLES, flagTableFor, renderFlags, type FlagTable } from './flag-tables.js';
import { SystemState, concatenatePaths } from '../state/system-state.js';
import { fdTypeChar, l4Char, type FdInfo } from '../state/fd-table.js';
import { FIELD_REGISTRY, FieldContext, FieldError, eventTypeName, fitWidth, renderPart, scanFormat, type BoundField, type FieldPart, type FieldRegistry } from '../rules/fields/index.js';

/** sysdig's default line format (the leading `*` prints events even when a field is missing). */
export const DEFAULT_FORMAT = '*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.args';

const AT_FDCWD = -100;
const PPME_GENERIC_E = 0;
const PPME_GENERIC_X = 1;
const U64_MAX = 0xffffffffffffffffn;

/**
 * Where sysdig 0.29.3's (2022) event table differs from ours (libs 0.25.4) in a way that shows in output:
 * a param printed under its old name, or typed differently. Keyed by event name, then our param name.
 */
const SYSDIG_LEGACY: Record<string, Record<string, { name?: string; type?: string; kind?: ParamKind }>> = {
  execve: { vpgid: { name: 'pgid' }, loginuid: { type: 'INT32', kind: ParamKind.Int32 } },
};

/** Per-param rendering facts, computed once per event type. */
interface ParamPlan {
  /** The printed name (`evt.args`, `evt.arg.NAME`). */
  readonly label: string;
  readonly info: ParamInfo;
  readonly flags: FlagTable | undefined;
  /** Index of the dirfd param for FSRELPATH, or -1. */
  readonly dirfd: number;
  /** Bytes of a FLAGS/ENUMFLAGS param's value (1, 2 or 4), 0 for other types: text()'s short path. */
  readonly flagWidth: number;
}

const FLAG_TYPES = new Set(['FLAGS8', 'FLAGS16', 'FLAGS32', 'ENUMFLAGS8', 'ENUMFLAGS16', 'ENUMFLAGS32']);

const PLANS: ReadonlyArray<ReadonlyArray<ParamPlan>> = EVENTS.map((e) => e.params.map((p) => planOf(e.name, legacyInfo(e.name, p), e.params)));

function planOf(event: string, p: ParamInfo, all: readonly ParamInfo[]): ParamPlan {
  return {
    label: SYSDIG_LEGACY[event]?.[p.name]?.name ?? p.name,
    info: p,
    flags: p.type === 'MODE' ? FLAG_TABLES.chmod_mode : flagTableFor(event, p.name),
    dirfd: p.type === 'FSRELPATH' ? all.findIndex((q) => q.name === 'dirfd') : -1,
    flagWidth: !FLAG_TYPES.has(p.type) ? 0 : p.kind === ParamKind.UInt8 ? 1 : p.kind === ParamKind.UInt16 ? 2 : 4,
  };
}

function legacyInfo(event: string, p: ParamInfo): ParamInfo {
  const o = SYSDIG_LEGACY[event]?.[p.name];
  if (o?.type === undefined) return p;
  return { ...p, type: o.type, kind: o.kind ?? p.kind };
}

export interface RenderOptions {
  /** Longest printed byte buffer (sysdig -s, default 80); longer ones end in `...`. 0 = unlimited. */
  snaplen?: number;
}

/**
 * Renders parameters. After `param(ev, i)`, `value` holds the printed value and `resolved` the text sysdig puts
 * in parentheses (empty when none). Reused across events: no per-parameter objects.
 */
export class ParamRenderer {
  value = '';
  resolved = '';
  private readonly snaplen: number;
  private readonly users = new Map<number, string>();
  private readonly groups = new Map<number, string>();

  constructor(readonly state: SystemState, options: RenderOptions = {}) {
    this.snaplen = options.snaplen ?? 80;
  }

  private linked: { loadMetadata(md: CaptureMetadata): void } | undefined;

  /** Another consumer of the same metadata (the Formatter's field context), fed by loadMetadata. */
  linkMetadata(target: { loadMetadata(md: CaptureMetadata): void }): void { this.linked = target; }

  /** User and group names for uid/gid params (from the capture's user list); also feeds the linked context. */
  loadMetadata(md: CaptureMetadata): void {
    for (const u of md.users) if (!this.users.has(u.uid)) this.users.set(u.uid, u.name);
    for (const g of md.groups) if (!this.groups.has(g.gid)) this.groups.set(g.gid, g.name);
    this.linked?.loadMetadata(md);
  }

  /** `name=value(resolved) ` for every param, as the evt.args field (empty for generic syscall events). */
  args(ev: EventView): string {
    const type = ev.type;
    if (type === PPME_GENERIC_E || type === PPME_GENERIC_X) return '';
    const plans = PLANS[type];
    if (plans === undefined) return '';
    const n = Math.min(ev.paramCount(), plans.length);
    let out = '';
    for (let i = 0; i < n; i++) {
      this.param(ev, i);
      out += plans[i].label + '=' + this.value;
      out += this.resolved === '' ? ' ' : '(' + this.resolved + ') ';
    }
    return out;
  }

  /**
   * What `evt.arg` gives for param i: the resolved text when there is one, else the value ('' when absent). Flag
   * params (socket domains, open flags, ...) take a short path: their names come from the table's memo and the
   * number is made text only when no flag is named.
   */
  text(ev: EventView, i: number): string {
    const plan = PLANS[ev.type]?.[i];
    if (plan !== undefined && plan.flagWidth !== 0 && i < ev.paramCount() && ev.paramLen(i) > 0) {
      const v = plan.flagWidth === 1 ? ev.u8(i) : plan.flagWidth === 2 ? ev.u16(i) : ev.u32(i);
      const names = renderFlags(v, plan.flags);
      return names !== '' ? names : String(v);
    }
    this.param(ev, i);
    return this.resolved !== '' ? this.resolved : this.value;
  }

  param(ev: EventView, i: number): void {
    this.resolved = '';
    const plan = PLANS[ev.type]?.[i];
    if (plan === undefined || i >= ev.paramCount()) { this.value = ''; return; }
    const len = ev.paramLen(i);
    const p = plan.info;
    if (len === 0 && p.kind !== ParamKind.SockAddr && p.kind !== ParamKind.SockTuple) { this.value = ''; return; }
    switch (p.type) {
      case 'INT8': case 'INT16': case 'INT32': case 'INT64':
        this.value = formatInt(ev, i, p, true);
        return;
      case 'UINT8': case 'UINT16': case 'UINT32': case 'UINT64':
        this.value = formatInt(ev, i, p, false);
        return;
      case 'FD': case 'FD32': {
        const fd = p.type === 'FD' ? ev.i64(i) : ev.i32(i);
        this.value = String(fd);
        this.resolved = this.fdResolved(ev.tid, fd);
        return;
      }
      case 'PID': case 'PID32': {
        const pid = p.type === 'PID' ? ev.i64(i) : ev.i32(i);
        this.value = String(pid);
        this.resolved = this.state.thread(pid)?.comm ?? '';
        return;
      }
      case 'ERRNO': {
        // Old tables typed mmap/brk results as UINT64 HEX; sysdig 0.29.3 prints them in hex, unresolved.
        if (p.fmt === 'HEX') { this.value = ev.u64n(i).toString(16).toUpperCase(); return; }
        const v = ev.i64(i);
        this.value = String(v);
        if (v < 0) this.resolved = errnoName(v | 0);
        return;
      }
      case 'CHARBUF':
        this.value = ev.str(i);
        return;
      case 'FSPATH': case 'FSRELPATH':
        this.renderPath(ev, i, plan);
        return;
      case 'BYTEBUF':
        this.value = this.bytebuf(ev.raw(i));
        return;
      case 'SOCKADDR':
        this.value = sockaddrToString(ev.raw(i));
        return;
      case 'SOCKTUPLE':
        this.value = socktupleToString(ev.raw(i));
        return;
      case 'FDLIST':
        this.value = this.fdlist(ev, ev.raw(i));
        return;
      case 'SYSCALLID': {
        const id = ev.u16(i);
        this.value = String(id);
        this.resolved = ppmScName(id);
        return;
      }
      case 'SIGTYPE': {
        const s = ev.u8(i);
        this.value = String(s);
        this.resolved = signalName(s);
        return;
      }
      case 'RELTIME': {
        const v = ev.u64n(i);
        if (v === U64_MAX) { this.value = 'none'; return; }
        this.value = v.toString();
        this.resolved = formatG(Number(v) / 1e9) + 's';
        return;
      }
      case 'ABSTIME':
        this.value = formatAbsTime(ev.u64n(i));
        return;
      case 'FLAGS8': case 'FLAGS16': case 'FLAGS32': case 'ENUMFLAGS8': case 'ENUMFLAGS16': case 'ENUMFLAGS32': {
        const v = p.kind === ParamKind.UInt8 ? ev.u8(i) : p.kind === ParamKind.UInt16 ? ev.u16(i) : ev.u32(i);
        this.value = String(v);
        this.resolved = renderFlags(v, plan.flags);
        return;
      }
      case 'MODE': {
        const v = ev.u32(i);
        this.value = formatUnsigned(BigInt(v), p.fmt);
        this.resolved = renderFlags(v, plan.flags);
        return;
      }
      case 'UID': case 'GID': {
        const v = ev.u32(i);
        if (v === 0xffffffff) { this.value = '-1'; this.resolved = '<NONE>'; return; }
        this.value = String(v | 0);
        const th = this.state.thread(ev.tid);
        const name = th === undefined ? undefined : (p.type === 'UID' ? this.users.get(v) : this.groups.get(v));
        this.resolved = name ?? '<NA>';
        return;
      }
      case 'SIGSET': {
        const v = ev.u32(i);
        const names: string[] = [];
        for (let s = 0; s < 32; s++) if (v & (1 << s)) { const n = signalName(s + 1); if (n) names.push(n); }
        this.value = names.join(' ');
        return;
      }
      case 'DYN':
        this.renderDyn(ev, i);
        return;
      case 'BOOL': case 'PORT': case 'L4PROTO': case 'SOCKFAMILY':
        this.value = String(p.kind === ParamKind.UInt8 ? ev.u8(i) : p.kind === ParamKind.UInt16 ? ev.u16(i) : ev.u32(i));
        return;
      default:
        this.value = '(n.a.)';
        return;
    }
  }

  /** `<f>/etc/passwd` for a known fd of the event's thread; an errno name for negative values. */
  fdResolved(tid: number, fd: number): string {
    const th = this.state.thread(tid);
    if (th === undefined) return '';
    if (fd >= 0) {
      const info = th.fds.get(fd);
      return info === undefined ? '' : fdLabel(info);
    }
    if (fd === AT_FDCWD) return 'AT_FDCWD';
    return errnoName(fd | 0);
  }

  private renderPath(ev: EventView, i: number, plan: ParamPlan): void {
    const path = sanitize(ev.str(i));
    this.value = path;
    const th = this.state.thread(ev.tid);
    if (th === undefined) { this.resolved = path; return; }
    if (path.startsWith('/') || path === '<NA>') return;
    let base = th.cwd;
    if (plan.dirfd >= 0 && plan.dirfd < ev.paramCount()) {
      const dirfd = ev.i64(plan.dirfd);
      if (dirfd !== AT_FDCWD) {
        const d = th.fds.get(dirfd);
        if (d === undefined || d.name === '') return;
        base = sanitize(d.name) + '/';
      }
    }
    this.resolved = concatenatePaths(base, path);
  }

  private bytebuf(raw: Uint8Array): string {
    const n = raw.length;
    const limit = this.snaplen;
    const take = limit !== 0 && n > limit ? limit : n;
    let out = '';
    for (let k = 0; k < take; k++) {
      const c = raw[k];
      out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
    }
    if (take < n && take > 3) out = out.slice(0, take - 3) + '...';
    return out;
  }

  private fdlist(ev: EventView, raw: Uint8Array): string {
    const th = this.state.thread(ev.tid);
    if (th === undefined || raw.length < 2) return '';
    const n = raw[0] | (raw[1] << 8);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let out = '';
    for (let j = 0, pos = 2; j < n && pos + 10 <= raw.length; j++, pos += 10) {
      const fd = dv.getInt32(pos + 4, true) * 4294967296 + dv.getUint32(pos, true);
      const flags = dv.getInt16(pos + 8, true) >>> 0;
      const info = th.fds.get(fd);
      out += (j > 0 ? ' ' : '') + fd + ':' + (info ? fdTypeChar(info.type) : '?') + flags.toString(16);
    }
    return out;
  }

  /** PT_DYN: a u8 index into a per-event table of possible types, then the value. */
  private renderDyn(ev: EventView, i: number): void {
    const raw = ev.raw(i);
    const idx = raw[0];
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const name = EVENTS[ev.type].name;
    const u64 = () => (raw.length >= 9 ? dv.getBigUint64(1, true) : 0n);
    const i64 = () => (raw.length >= 9 ? dv.getBigInt64(1, true) : 0n);
    if (name === 'ptrace') {
      if (idx === 0) { this.value = u64().toString(16).toUpperCase(); return; }
      if (idx === 1) { const s = raw[1] ?? 0; this.value = String(s); this.resolved = signalName(s); return; }
    } else if (name === 'bpf') {
      const v = i64();
      this.value = v.toString();
      if (idx === 0 && v >= 0n) this.resolved = this.fdResolved(ev.tid, Number(v));
      else if (v < 0n) this.resolved = errnoName(Number(v));
      return;
    } else if (name === 'getsockopt' || name === 'setsockopt') {
      if (idx === 1) { const v = i64(); this.value = v.toString(); if (v < 0n) this.resolved = errnoName(Number(v)); return; }
      if (idx === 2) { this.value = String(raw.length >= 5 ? dv.getUint32(1, true) : 0); return; }
      if (idx === 3) { this.value = u64().toString(); return; }
      if (idx === 4) { const v = u64(); this.value = v.toString(); this.resolved = formatG(Number(v) / 1e9) + 's'; return; }
      this.value = this.bytebuf(raw.subarray(1));
      return;
    }
    this.value = 'INVALID DYNAMIC PARAMETER';
  }
}

/** `<f>/etc/passwd`, `<4t>1.2.3.4:5->6.7.8.9:10`, `<u>` ... */
export function fdLabel(info: FdInfo): string {
  return '<' + fdTypeChar(info.type) + l4Char(info) + '>' + sanitize(info.name);
}

/** libsinsp sanitize_string: drops non-printable and non-ASCII characters. */
export function sanitize(s: string): string {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x20 || c >= 0x7f) return s.replace(/[^\x20-\x7e]/g, '');
  }
  return s;
}

function formatInt(ev: EventView, i: number, p: ParamInfo, signed: boolean): string {
  const len = ev.paramLen(i);
  let v: bigint;
  if (p.kind === ParamKind.Int8 || p.kind === ParamKind.UInt8) v = BigInt(signed ? ev.i8(i) : ev.u8(i));
  else if (p.kind === ParamKind.Int16 || p.kind === ParamKind.UInt16) v = BigInt(signed ? ev.i16(i) : ev.u16(i));
  else if (p.kind === ParamKind.Int32 || p.kind === ParamKind.UInt32) v = BigInt(signed ? ev.i32(i) : ev.u32(i));
  else v = len >= 8 ? (signed ? ev.i64n(i) : ev.u64n(i)) : BigInt(signed ? ev.i32(i) : ev.u32(i));
  if (!signed || p.fmt !== 'DEC') {
    const bits = p.kind === ParamKind.Int8 || p.kind === ParamKind.UInt8 ? 8
      : p.kind === ParamKind.Int16 || p.kind === ParamKind.UInt16 ? 16
        : p.kind === ParamKind.Int32 || p.kind === ParamKind.UInt32 ? 32 : 64;
    if (p.fmt === 'HEX' || p.fmt === 'OCT') return formatUnsigned(BigInt.asUintN(bits, v), p.fmt);
  }
  return v.toString();
}

/** printf %X / %#o / %u. */
function formatUnsigned(v: bigint, fmt: string): string {
  if (fmt === 'HEX') return v.toString(16).toUpperCase();
  if (fmt === 'OCT') return v === 0n ? '0' : '0' + v.toString(8);
  return v.toString();
}

/** C's `%lg`: 6 significant digits, trailing zeros dropped, exponent form outside [1e-4, 1e6). */
export function formatG(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const exp = Math.floor(Math.log10(Math.abs(x)));
  let s: string;
  if (exp < -4 || exp >= 6) {
    s = x.toExponential(5);
    let [m, e] = s.split('e');
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const en = Number(e);
    s = m + 'e' + (en < 0 ? '-' : '+') + String(Math.abs(en)).padStart(2, '0');
    return s;
  }
  s = x.toPrecision(6);
  if (s.includes('e')) s = Number(s).toString();
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

function pad(n: number, w: number): string { return String(n).padStart(w, '0'); }

/** PT_ABSTIME: `%Y-%m-%d %H:%M:%S.nnnnnnnnn %z` in local time. */
function formatAbsTime(ns: bigint): string {
  const sec = Number(ns / 1_000_000_000n);
  const nsec = Number(ns % 1_000_000_000n);
  const d = new Date(sec * 1000);
  const off = -d.getTimezoneOffset();
  const z = (off >= 0 ? '+' : '-') + pad(Math.floor(Math.abs(off) / 60), 2) + pad(Math.abs(off) % 60, 2);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)} ${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(nsec, 9)} ${z}`;
}

// ---------------------------------------------------------------------------------------------------------
// -p formats: literals and fields from the field registry (rules/fields), rendered by its one value renderer.

export { eventTypeName };

export class FormatError extends Error {
  constructor(readonly code: 'EFIELD' | 'ESYNTAX', message: string, readonly position: number) {
    super(message);
    this.name = 'FormatError';
  }
}

type Part = string | FieldPart;

/** Owns the state-dependent helpers that compiled formats share: the param renderer and the field context. */
export class Formatter {
  readonly params: ParamRenderer;
  readonly fields: FieldContext;
  constructor(readonly state: SystemState, options: RenderOptions = {}, readonly registry: FieldRegistry = FIELD_REGISTRY) {
    this.params = new ParamRenderer(state, options);
    this.fields = new FieldContext(state, this.params);
    this.params.linkMetadata(this.fields);
  }

  /** Users, groups, interfaces and hostname for params and fields (ParamRenderer.loadMetadata does the same). */
  loadMetadata(md: CaptureMetadata): void { this.params.loadMetadata(md); }

  /**
   * Compiles a sysdig `-p` format once: `%field`, `%field[arg]`, `%evt.arg.NAME`, `%%` for a percent sign.
   * A leading `*` prints events whose fields are missing (as `<NA>`). Unknown fields are errors that name the
   * field and its position (sysdig's prefix matching of unknown names is deliberately not copied).
   */
  compile(format: string): CompiledFormat {
    let all = false;
    let s = format;
    let offset = 0;
    if (s.startsWith('*')) { all = true; s = s.slice(1); offset = 1; }
    let parts: Part[];
    try {
      parts = scanFormat(s, this.registry, { offset });
    } catch (err) {
      if (err instanceof FieldError) throw new FormatError(err.code === 'EFIELD_SYNTAX' ? 'ESYNTAX' : 'EFIELD', err.message, err.position);
      throw err;
    }
    return new CompiledFormat(parts, all, this.fields);
  }
}


export class CompiledFormat {
  constructor(private readonly parts: readonly Part[], private readonly printAll: boolean, private readonly ctx: FieldContext) {}

  /** The fields this format reads, in order (duplicates included). */
  get fields(): BoundField[] { return this.parts.flatMap((p) => (typeof p === 'string' ? [] : [p.bound])); }

  /** The line for an event, or null when a field is missing and the format does not start with `*`. */
  render(ev: EventView): string | null {
    const ctx = this.ctx;
    ctx.begin(ev);
    ctx.tick(ev); // evt.deltatime counts the events printed, as sysdig's
    let out = '';
    const parts = this.parts;
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (typeof p === 'string') { out += p; continue; }
      let v = renderPart(p, ctx.value(p.bound));
      if (v === undefined) {
        if (!this.printAll) return null;
        v = '<NA>';
      }
      out += p.width === 0 ? v : fitWidth(v, p.width);
    }
    return out;
  }
}
