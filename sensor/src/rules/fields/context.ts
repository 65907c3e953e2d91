// Per-event extraction context: what every extractor may read (the event, the system state, user/group and
// interface tables) plus the once-per-event cache of field values, keyed by event (HOUSE-STYLE 8).
import { EVENTS } from '../../schema/index.js';
import type { CaptureMetadata, GroupEntry, InterfaceEntry, UserEntry } from '../../schema/capture-types.js';
import type { EventView } from '../../decode/event-view.js';
import type { SystemState } from '../../state/system-state.js';
import type { ThreadInfo } from '../../state/thread-table.js';
import type { FdInfo } from '../../state/fd-table.js';
import { ipv4ToString, ipv6ToString } from '../../decode/net.js';
import type { BoundField, FieldValue } from './types.js';
import type { ContainerMeta, PodMeta } from '../../enrich/types.js';

/** What the enrichment stage knows, by full container id (enrich/store.ts MetadataStore). */
export interface MetadataView {
  container(fullId: string): ContainerMeta | undefined;
  pod(fullId: string): PodMeta | undefined;
  complete(fullId: string): boolean;
}

/**
 * Members the state stage is adding to ThreadInfo (issue 3). Read through this optional view so the fields
 * compile and return libsinsp's "unknown" values until the state provides them.
 */
export interface ThreadFacts {
  sid: number;
  vpgid: number;
  tty: number;
  loginuid: number;
  env: string[];
  capInheritable: bigint;
  capPermitted: bigint;
  capEffective: bigint;
  exeWritable: boolean;
  exeUpperLayer: boolean;
  exeFromMemfd: boolean;
  exeIno: bigint;
  exeInoCtime: bigint;
  exeInoMtime: bigint;
  /** Process start (clone) time, ns since the epoch; 0 when unknown. */
  cloneTs: bigint;
  pidnsInitStartTs: bigint;
  /** "subsys=/path" strings, as the capture carries them. */
  cgroups: string[];
  containerId: string;
  fdlimit: bigint;
}
export type ThreadView = ThreadInfo & Partial<ThreadFacts>;

/** FdInfo members fields read when the state has them (else derived from the fd name). */
export interface FdFacts {
  /** The path as the syscall gave it (fd.nameraw). */
  nameRaw: string;
}
export type FdView = FdInfo & Partial<FdFacts>;

/** The two ends of an inet socket, parsed from its fd once per event. */
export interface SocketEnds { cip: string; cport: number; sip: string; sport: number; server: boolean }

const EF_FD = Uint8Array.from(EVENTS, (e) => (e.flags.some((f) => f === 'EF_CREATES_FD' || f === 'EF_USES_FD' || f === 'EF_DESTROYS_FD') ? 1 : 0));
const IS_ENTER = Uint8Array.from(EVENTS, (e) => (e.dir === '>' ? 1 : 0));
const CREATES_FD = Uint8Array.from(EVENTS, (e) => (e.flags.includes('EF_CREATES_FD') ? 1 : 0));

/** Renders evt.args / one param (decode/format.ts ParamRenderer); injected to keep stages one-way. */
export interface ParamSource {
  value: string;
  resolved: string;
  args(ev: EventView): string;
  param(ev: EventView, i: number): void;
  /** The resolved text of param i when there is one, else its value (what evt.arg gives). */
  text(ev: EventView, i: number): string;
}

export class FieldContext {
  ev!: EventView;
  /** Bumped whenever begin() sees a different event; cache slots stamped with it are current. */
  generation = 0;
  private evNum = -1;
  private evBase = -1;
  private evBytes: Uint8Array | null = null;

  private readonly values: FieldValue[] = [];
  private stamps = new Float64Array(16).fill(-1);

  readonly users = new Map<number, UserEntry>();
  readonly groups = new Map<number, GroupEntry>();
  private readonly localV4 = new Set<string>();
  private readonly localV6 = new Set<string>();
  hostname = '';
  /** Container and pod metadata (null: no enrichment configured, container.* and k8s.* give <NA>). */
  metadata: MetadataView | null = null;
  // First, previous and current event timestamps (evt.reltime, evt.deltatime) as 32-bit halves, set by observe()
  // and tick() without allocating a BigInt; hi < 0 means none yet.
  private firstHi = -1;
  private firstLo = 0;
  private prevHi = -1;
  private prevLo = 0;
  private curHi = -1;
  private curLo = 0;
  private tickNum = -1;
  private tickBase = -1;
  private tickBytes: Uint8Array | null = null;

  /** Timestamp of the first event read (observe/tick); the current event's when none was noted. */
  get firstTs(): bigint { return this.firstHi < 0 ? this.ev.ts : (BigInt(this.firstHi) << 32n) | BigInt(this.firstLo); }
  /**
   * Timestamp of the event counted (tick) before the current one. A current event not counted yet (a filter
   * reading it before it is printed) gets the last one counted; with none counted, its own (delta 0).
   */
  get prevTs(): bigint {
    const ev = this.ev;
    const counted = this.ticked(ev);
    const hi = counted ? this.prevHi : this.curHi;
    const lo = counted ? this.prevLo : this.curLo;
    return hi < 0 ? ev.ts : (BigInt(hi) << 32n) | BigInt(lo);
  }

  private threadGen = -1;
  private threadCache: ThreadView | undefined;
  private fdGen = -1;
  private fdNum = -1;
  private fdCache: FdView | undefined;
  private endsGen = -1;
  private endsCache: SocketEnds | undefined;

  constructor(readonly state: SystemState, readonly params: ParamSource) {}

  /** Users, groups, interfaces and hostname from a capture section or /proc snapshot. */
  loadMetadata(md: CaptureMetadata): void {
    for (const u of md.users) if (!this.users.has(u.uid)) this.users.set(u.uid, u);
    for (const g of md.groups) if (!this.groups.has(g.gid)) this.groups.set(g.gid, g);
    for (const i of md.interfaces) {
      if (i.family === 'ipv4') this.localV4.add(ipv4ToString(i.addr));
      else this.localV6.add(ipv6Prefix64(ipv6ToString(i.addr)));
    }
    if (md.machine?.hostname) this.hostname = md.machine.hostname;
  }

  /**
   * Notes an event read from the source, judged or not: evt.reltime counts from the first one, as libsinsp's
   * first-event time covers every event (hidden internal ones and those a filter skips included).
   */
  observe(ev: EventView): void {
    if (this.firstHi >= 0) return;
    this.firstLo = ev.view.getUint32(ev.base, true);
    this.firstHi = ev.view.getUint32(ev.base + 4, true);
  }

  /**
   * Counts an event for evt.deltatime (once per event; a second call for the same one does nothing): the rules
   * engine counts every event read, as Falco's inspector does; `sensord events` the events it prints, as sysdig's
   * filtered output does.
   */
  tick(ev: EventView): void {
    if (this.ticked(ev)) return;
    this.tickNum = ev.num;
    this.tickBase = ev.base;
    this.tickBytes = ev.bytes;
    this.observe(ev);
    const lo = ev.view.getUint32(ev.base, true);
    const hi = ev.view.getUint32(ev.base + 4, true);
    if (this.curHi < 0) { this.prevHi = hi; this.prevLo = lo; } else { this.prevHi = this.curHi; this.prevLo = this.curLo; }
    this.curHi = hi;
    this.curLo = lo;
    this.generation++; // a value read before (a filter's evt.deltatime) is stale now
  }

  /** The view is on the event tick() counted last (views are reused: identity is number, buffer and offset). */
  private ticked(ev: EventView): boolean { return ev.num === this.tickNum && ev.base === this.tickBase && ev.bytes === this.tickBytes; }

  /** Points the context at an event; a new event (number, buffer or offset differ) invalidates the cache. */
  begin(ev: EventView): void {
    this.ev = ev;
    if (ev.num === this.evNum && ev.base === this.evBase && ev.bytes === this.evBytes) return;
    this.evNum = ev.num;
    this.evBase = ev.base;
    this.evBytes = ev.bytes;
    this.generation++;
  }

  /** The value of a bound field for the current event, extracted at most once per event. */
  value(b: BoundField): FieldValue {
    const slot = b.slot;
    if (slot < this.stamps.length && this.stamps[slot] === this.generation) return this.values[slot];
    const v = b.def.extract(this, b.arg);
    if (slot >= this.stamps.length) {
      const grown = new Float64Array(Math.max(slot + 1, this.stamps.length * 2)).fill(-1);
      grown.set(this.stamps);
      this.stamps = grown;
    }
    this.stamps[slot] = this.generation;
    this.values[slot] = v;
    return v;
  }

  // ---- facts shared by many fields, resolved once per event ----

  thread(): ThreadView | undefined {
    if (this.threadGen !== this.generation) {
      this.threadGen = this.generation;
      this.threadCache = this.state.thread(this.ev.tid);
    }
    return this.threadCache;
  }

  threadOf(tid: number): ThreadView | undefined { return this.state.thread(tid); }

  /** The main thread of the event's process (libsinsp get_main_thread), or the thread itself when unknown. */
  mainThread(th: ThreadView): ThreadView { return this.state.mainThread(th); }

  /** The parent process's main thread, following reapers of exited parents (SystemState.parent). */
  parentOf(th: ThreadView): ThreadView | undefined { return this.state.parent(th); }

  /** Ancestor `level` of the event's process (0 = the process itself), as proc.aname[N] walks; stops at loops. */
  ancestor(level: number): ThreadView | undefined {
    const th = this.thread();
    if (th === undefined) return undefined;
    return this.state.ancestor(this.mainThread(th), level);
  }

  /** Is this an fd event (EF_CREATES_FD/USES_FD/DESTROYS_FD) of a known thread? libsinsp extract_fd. */
  isFdEvent(): boolean {
    const t = this.ev.type;
    return t < EF_FD.length && EF_FD[t] === 1 && this.thread() !== undefined;
  }

  /** The fd number the event refers to (-1 when none). */
  fdNumber(): number { this.fd(); return this.fdNum; }

  /** The fd table entry of the event's fd, when the event is an fd event and the fd is known. */
  fd(): FdView | undefined {
    if (this.fdGen !== this.generation) {
      this.fdGen = this.generation;
      this.fdCache = undefined;
      this.fdNum = -1;
      if (this.isFdEvent()) {
        const th = this.thread()!;
        this.fdNum = this.state.eventFd(this.ev, th);
        this.fdCache = this.fdNum >= 0 ? th.fds.get(this.fdNum) : undefined;
      }
    }
    return this.fdCache;
  }

  isEnter(): boolean { const t = this.ev.type; return t < IS_ENTER.length && IS_ENTER[t] === 1; }
  createsFd(): boolean { const t = this.ev.type; return t < CREATES_FD.length && CREATES_FD[t] === 1; }

  /** Client/server ends of the event's inet socket (`cip:cport->sip:sport`, or a server socket's `ip:port`). */
  socketEnds(): SocketEnds | undefined {
    if (this.endsGen !== this.generation) {
      this.endsGen = this.generation;
      this.endsCache = undefined;
      const fd = this.fd();
      if (fd !== undefined) this.endsCache = parseEnds(fd);
    }
    return this.endsCache;
  }

  /** libsinsp is_ipv4addr_in_local_machine: the address is one of the machine's interfaces. */
  isLocalAddress(ip: string): boolean {
    // IPv6: libsinsp (ipv6addr::in_subnet) calls an address local when its first 64 bits are an interface's.
    if (ip.includes(':')) return this.localV6.size === 0 ? ipv6Prefix64(ip) === LOOPBACK6_PREFIX : this.localV6.has(ipv6Prefix64(ip));
    if (this.localV4.size === 0) return ip.startsWith('127.');
    return this.localV4.has(ip);
  }
}

/** The first four 16-bit groups of a textual IPv6 address (its /64 prefix), as a canonical key. */
function ipv6Prefix64(ip: string): string {
  const dbl = ip.indexOf('::');
  let groups: string[];
  if (dbl >= 0) {
    const head = ip.slice(0, dbl) === '' ? [] : ip.slice(0, dbl).split(':');
    const tail = ip.slice(dbl + 2) === '' ? [] : ip.slice(dbl + 2).split(':');
    // An embedded IPv4 tail (::ffff:1.2.3.4) takes two groups.
    const tailLen = tail.length + (tail.length > 0 && tail[tail.length - 1].includes('.') ? 1 : 0);
    groups = [...head, ...Array<string>(Math.max(0, 8 - head.length - tailLen)).fill('0'), ...tail];
  } else {
    groups = ip.split(':');
  }
  return groups.slice(0, 4).map((g) => parseInt(g || '0', 16)).join(':');
}
const LOOPBACK6_PREFIX = ipv6Prefix64('::1');

const SOCK_V4 = 3, SOCK_V6 = 4, SERV_V4 = 5, SERV_V6 = 6;

function splitHostPort(s: string): [string, number] | undefined {
  const i = s.lastIndexOf(':');
  if (i <= 0) return undefined;
  const port = Number(s.slice(i + 1));
  if (!Number.isInteger(port)) return undefined;
  return [s.slice(0, i), port];
}

function parseEnds(fd: FdInfo): SocketEnds | undefined {
  const t = fd.type as number;
  // The state records both ends; the fd name is the fallback for entries that lack them.
  if ((t === SERV_V4 || t === SERV_V6) && fd.sip !== '') return { cip: '', cport: 0, sip: fd.sip, sport: fd.sport, server: true };
  if ((t === SOCK_V4 || t === SOCK_V6) && fd.sip !== '' && fd.cip !== '') return { cip: fd.cip, cport: fd.cport, sip: fd.sip, sport: fd.sport, server: false };
  if (t === SERV_V4 || t === SERV_V6) {
    const hp = splitHostPort(fd.name);
    return hp ? { cip: '', cport: 0, sip: hp[0], sport: hp[1], server: true } : undefined;
  }
  if (t !== SOCK_V4 && t !== SOCK_V6) return undefined;
  const arrow = fd.name.indexOf('->');
  if (arrow < 0) return undefined;
  const c = splitHostPort(fd.name.slice(0, arrow));
  const s = splitHostPort(fd.name.slice(arrow + 2));
  if (!c || !s) return undefined;
  return { cip: c[0], cport: c[1], sip: s[0], sport: s[1], server: false };
}
