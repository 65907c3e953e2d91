// Builds ppm records from the event table for tests: name the event and give param values by name.
// Values: number/bigint for ints (width from the param type), string for CHARBUF/FSPATH (NUL added),
// Uint8Array for raw bytes (BYTEBUF, SOCKADDR, SOCKTUPLE, ...), string[] for NUL-separated lists.
import { eventByCode, type EventInfo } from '../../sensor/src/schema/index.js';
import type { EventBatch } from '../../sensor/src/schema/capture-types.js';

export type ParamValue = number | bigint | string | string[] | Uint8Array | null;

const INT_WIDTH: Record<string, number> = {
  INT8: 1, UINT8: 1, SIGTYPE: 1, L4PROTO: 1, SOCKFAMILY: 1, FLAGS8: 1, ENUMFLAGS8: 1,
  INT16: 2, UINT16: 2, SYSCALLID: 2, PORT: 2, FLAGS16: 2, ENUMFLAGS16: 2,
  INT32: 4, UINT32: 4, BOOL: 4, IPV4ADDR: 4, FLAGS32: 4, ENUMFLAGS32: 4, UID: 4, GID: 4, MODE: 4, SIGSET: 4,
  FD32: 4, PID32: 4,
  INT64: 8, UINT64: 8, ERRNO: 8, FD: 8, PID: 8, RELTIME: 8, ABSTIME: 8,
};

function encodeParam(type: string, v: ParamValue): Uint8Array {
  if (v === null || v === undefined) return new Uint8Array(0);
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return new TextEncoder().encode(v.map((s) => s + '\0').join(''));
  if (typeof v === 'string') return new TextEncoder().encode(v + '\0');
  const w = INT_WIDTH[type];
  if (!w) throw new Error(`event-builder: give raw bytes for a ${type} param`);
  const out = new Uint8Array(w);
  const dv = new DataView(out.buffer);
  const big = BigInt.asUintN(w * 8, BigInt(v));
  if (w === 1) dv.setUint8(0, Number(big));
  else if (w === 2) dv.setUint16(0, Number(big), true);
  else if (w === 4) dv.setUint32(0, Number(big), true);
  else dv.setBigUint64(0, big, true);
  return out;
}

export interface BuildOptions { ts?: bigint; tid?: number }

/** One ppm record. Params not named are written empty; `nparams` defaults to the table's count. */
export function buildEvent(code: string, params: Record<string, ParamValue>, opts: BuildOptions = {}, nparams?: number): Uint8Array {
  const info: EventInfo = eventByCode(code);
  const n = nparams ?? info.params.length;
  const width = info.largePayload ? 4 : 2;
  const encoded = info.params.slice(0, n).map((p) => encodeParam(p.type, params[p.name] ?? null));
  for (const name of Object.keys(params)) {
    if (!info.params.some((p) => p.name === name)) throw new Error(`event-builder: ${code} has no param ${name}`);
  }
  const len = 26 + n * width + encoded.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, opts.ts ?? 1_700_000_000_000_000_000n, true);
  dv.setBigUint64(8, BigInt(opts.tid ?? 1000), true);
  dv.setUint32(16, len, true);
  dv.setUint16(20, info.id, true);
  dv.setUint32(22, n, true);
  let lp = 26;
  let pos = 26 + n * width;
  for (const e of encoded) {
    if (width === 2) dv.setUint16(lp, e.length, true);
    else dv.setUint32(lp, e.length, true);
    lp += width;
    out.set(e, pos);
    pos += e.length;
  }
  return out;
}

/** Packs records into one batch, as a source would deliver them. */
export function batchOf(records: Uint8Array[], cpu = 0): EventBatch {
  const total = records.reduce((a, r) => a + r.length, 0);
  const bytes = new Uint8Array(total);
  const offsets = new Uint32Array(records.length);
  let p = 0;
  records.forEach((r, i) => { offsets[i] = p; bytes.set(r, p); p += r.length; });
  return { bytes, view: new DataView(bytes.buffer), offsets, cpus: new Uint16Array(records.length).fill(cpu), count: records.length };
}

/** AF_INET socket tuple param: family 2, src ip/port, dst ip/port (ips as dotted quads). */
export function ipv4Tuple(sip: string, sport: number, dip: string, dport: number): Uint8Array {
  const out = new Uint8Array(13);
  const dv = new DataView(out.buffer);
  out[0] = 2;
  out.set(sip.split('.').map(Number), 1);
  dv.setUint16(5, sport, true);
  out.set(dip.split('.').map(Number), 7);
  dv.setUint16(11, dport, true);
  return out;
}
