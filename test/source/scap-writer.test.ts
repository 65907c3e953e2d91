// ScapWriter: block structure (own independent walker), fd-type downgrades, and sysdig 0.29.3 as the oracle
// (it must read what we write: header blocks from a real /proc snapshot of this test's own process tree plus
// synthetic events built from the schema).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ScapWriter, encodeHeaderBlocks, writtenFdType, BlockType } from '../../sensor/src/source/scap-writer.js';
import { readProcSnapshot, type ProcSnapshot } from '../../sensor/src/source/proc-snapshot.js';
import { ScapFdType, type CaptureMetadata, type FdEntry, type ThreadEntry } from '../../sensor/src/schema/capture-types.js';
import { buildEvent, batchOf, ipv4Tuple } from '../helpers/event-builder.js';

// ---------------------------------------------------------------------------------------------------------
// sysdig availability: skipped with a message when absent, a failure when CI=true.

const IN_CI = process.env.CI === 'true';
const HAVE_SYSDIG = spawnSync('sysdig', ['--version'], { encoding: 'utf8' }).status === 0;
if (!HAVE_SYSDIG && !IN_CI) {
  console.warn('scap-writer.test: `sysdig` is not on PATH — sysdig-oracle tests are SKIPPED (they are required when CI=true)');
}
const sysdigIt = it.skipIf(!HAVE_SYSDIG && !IN_CI);

function sysdig(file: string, format?: string, extra: string[] = []): { out: string; err: string; status: number | null } {
  const args = ['-r', file, ...(format ? ['-p', format] : []), ...extra];
  const r = spawnSync('sysdig', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error) throw new Error(`sysdig could not run: ${r.error.message}`);
  return { out: r.stdout, err: r.stderr, status: r.status };
}

function lines(s: string): string[] {
  return s.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
}

function expectCleanRead(file: string): void {
  const r = sysdig(file, '*%evt.num');
  expect(r.err).not.toMatch(/error|wrong|could not|truncated/i);
  expect(r.status).toBe(0);
}

// ---------------------------------------------------------------------------------------------------------
// Independent block walker.

interface Block { type: number; total: number; body: Buffer }

function readBlocks(file: string): Block[] {
  let d = readFileSync(file);
  if (d[0] === 0x1f && d[1] === 0x8b) d = gunzipSync(d);
  const out: Block[] = [];
  let p = 0;
  while (p < d.length) {
    const type = d.readUInt32LE(p);
    const total = d.readUInt32LE(p + 4);
    expect(total % 4).toBe(0);
    expect(total).toBeGreaterThanOrEqual(12);
    expect(d.readUInt32LE(p + total - 4)).toBe(total);
    out.push({ type, total, body: d.subarray(p + 8, p + total - 4) });
    p += total;
  }
  expect(p).toBe(d.length);
  return out;
}

/** fd entries of one FDL_V2 block: [fd, type, name-ish] (names only for the types that carry a plain string). */
function fdlEntries(body: Buffer): { tid: number; entries: { fd: number; type: number; len: number }[] } {
  const tid = Number(body.readBigUInt64LE(0));
  const entries: { fd: number; type: number; len: number }[] = [];
  let p = 8;
  while (p + 4 <= body.length) {
    const len = body.readUInt32LE(p);
    if (len === 0) break; // padding
    entries.push({ fd: Number(body.readBigUInt64LE(p + 4)), type: body[p + 20], len });
    p += len;
  }
  return { tid, entries };
}

function emptyMeta(): CaptureMetadata {
  return { threads: [], fds: new Map(), users: [], groups: [], interfaces: [] };
}

function thread(tid: number, over: Partial<ThreadEntry> = {}): ThreadEntry {
  return {
    tid, pid: tid, ptid: 1, sid: tid, vpgid: tid, pgid: tid, comm: 'fixture', exe: '/usr/bin/fixture',
    exepath: '/usr/bin/fixture', args: ['-x'], cwd: '/', fdlimit: 1024n, flags: 0, uid: 0, gid: 0, vmsizeKb: 1,
    vmrssKb: 1, vmswapKb: 0, pfMajor: 0n, pfMinor: 0n, env: [], vtid: tid, vpid: tid, cgroups: ['cpu=/'], root: '/',
    pidnsInitStartTs: 0n, tty: 0, loginuid: 0xffffffff, exeWritable: false, capInheritable: 0n, capPermitted: 0n,
    capEffective: 0n, exeUpperLayer: false, exeLowerLayer: false, exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n,
    exeInoMtime: 0n, ...over,
  };
}

// ---------------------------------------------------------------------------------------------------------

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'scap-writer-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('scap-writer: block structure', () => {
  it.each([true, false])('writes SHB → MI → IL → UL → PL → FDL per thread → events (gzip=%s), records copied as they are', async (gzip) => {
    const md = emptyMeta();
    md.threads.push(thread(100), thread(101, { pid: 100, flags: 1 << 13 }));
    md.fds.set(100, [{ fd: 3, ino: 9n, type: ScapFdType.File, name: '/etc/passwd', openFlags: 1, dev: 0 }]);
    md.users.push({ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/sh' });
    md.groups.push({ gid: 0, name: 'root' });
    md.interfaces.push({ family: 'ipv4', name: 'lo', addr: Uint8Array.of(127, 0, 0, 1), netmask: Uint8Array.of(255, 0, 0, 0), bcast: Uint8Array.of(127, 255, 255, 255), linkspeed: 0n });
    const recs = [
      buildEvent('PPME_SYSCALL_CLOSE_X', { res: 0, fd: 3 }, { tid: 100 }),
      buildEvent('PPME_SYSCALL_OPENAT_2_X', { fd: 4, dirfd: -100, name: '/a', flags: 1, mode: 0, dev: 0, ino: 1 }, { tid: 100 }),
      buildEvent('PPME_CONTAINER_JSON_2_E', { json: '{"container":{}}' }, { tid: 100 }),
      buildEvent('PPME_SYSCALL_READ_X', { res: 3, data: Uint8Array.of(1, 2, 3), fd: 3, size: 3 }, { tid: 101 }),
    ];
    const file = join(dir, `struct-${gzip}.scap`);
    const w = await ScapWriter.create(file, { gzip, metadata: md });
    const b = batchOf(recs, 2);
    await w.writeBatch(b, Uint32Array.of(0, 0, 0, 1));
    await w.close();
    const raw = readFileSync(file);
    expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(gzip);

    const blocks = readBlocks(file);
    expect(blocks.map((x) => x.type)).toEqual([
      BlockType.SHB, BlockType.MI, BlockType.IL_V2, BlockType.UL_V2, BlockType.PL_V9, BlockType.FDL_V2, BlockType.FDL_V2,
      BlockType.EV_V2, BlockType.EV_V2, BlockType.EV_V2_LARGE, BlockType.EVF_V2,
    ]);
    expect(blocks[0].total).toBe(28);
    expect(blocks[0].body.readUInt32LE(0)).toBe(0x1a2b3c4d);
    expect(blocks[1].total).toBe(192);
    // PL: entry_len values add up to the body (before padding).
    const pl = blocks[4].body;
    let p = 0;
    const tids: number[] = [];
    while (p + 4 <= pl.length && pl.readUInt32LE(p) !== 0) { tids.push(Number(pl.readBigUInt64LE(p + 4))); p += pl.readUInt32LE(p); }
    expect(tids).toEqual([100, 101]);
    expect(pl.length - p).toBeLessThan(4);
    expect(fdlEntries(blocks[5].body)).toEqual({ tid: 100, entries: [{ fd: 3, type: ScapFdType.FileV2, len: 4 + 8 + 8 + 1 + 4 + 2 + 11 + 4 }] });
    expect(fdlEntries(blocks[6].body)).toEqual({ tid: 101, entries: [] });
    // Events: u16 cpu + the record as it was (+ u32 flags for EVF).
    recs.forEach((r, i) => {
      const blk = blocks[7 + i];
      expect(blk.body.readUInt16LE(0)).toBe(2);
      const at = blk.type === BlockType.EVF_V2 ? 6 : 2;
      if (blk.type === BlockType.EVF_V2) expect(blk.body.readUInt32LE(2)).toBe(1);
      expect(Buffer.from(blk.body.subarray(at, at + r.length)).equals(Buffer.from(r))).toBe(true);
      expect(blk.body.length - at - r.length).toBeLessThan(4);
    });
  });

  it('downgrades fd types old readers reject, leaves out UNKNOWN', () => {
    expect(writtenFdType(ScapFdType.File)).toBe(ScapFdType.FileV2);
    expect(writtenFdType(ScapFdType.Memfd)).toBe(ScapFdType.FileV2);
    for (const t of [ScapFdType.Bpf, ScapFdType.Userfaultfd, ScapFdType.IoUring, ScapFdType.Pidfd]) {
      expect(writtenFdType(t)).toBe(ScapFdType.Unsupported);
      expect(writtenFdType(t, true)).toBe(t);
    }
    expect(writtenFdType(ScapFdType.Unknown)).toBe(-1);
    for (let t = 2; t <= 15; t++) expect(writtenFdType(t as ScapFdType)).toBe(t);
    const md = emptyMeta();
    md.threads.push(thread(7));
    md.fds.set(7, [0, 17, 18, 19, 20, 21].map((type, i): FdEntry => ({ fd: i, ino: 0n, type, name: `n${i}`, openFlags: 0, dev: 0 })));
    const bytes = encodeHeaderBlocks(md);
    const f = join(dir, 'types.scap');
    writeFileSync(f, bytes);
    const fdl = readBlocks(f).find((b) => b.type === BlockType.FDL_V2)!;
    expect(fdlEntries(fdl.body).entries.map((e) => [e.fd, e.type])).toEqual([[1, 10], [2, 10], [3, 10], [4, 16], [5, 10]]);
  });

  it('bounds strings as libscap readers require (paths < 1024 bytes, args < 4096)', () => {
    const md = emptyMeta();
    md.threads.push(thread(7, { exe: 'x'.repeat(5000), args: Array.from({ length: 100 }, () => 'a'.repeat(100)) }));
    md.fds.set(7, [{ fd: 1, ino: 0n, type: ScapFdType.FileV2, name: '/' + 'p'.repeat(3000), openFlags: 0, dev: 0 }]);
    const f = join(dir, 'bounds.scap');
    writeFileSync(f, encodeHeaderBlocks(md));
    const pl = readBlocks(f).find((b) => b.type === BlockType.PL_V9)!.body;
    let p = 4 + 40;
    const comm = pl.readUInt16LE(p); p += 2 + comm;
    expect(pl.readUInt16LE(p)).toBe(1023); p += 2 + 1023;
    const exepath = pl.readUInt16LE(p); p += 2 + exepath;
    const args = pl.readUInt16LE(p);
    expect(args).toBeLessThanOrEqual(4095);
    expect(args % 101).toBe(0); // whole args only
  });

  it('rejects a record whose length runs past the batch', async () => {
    const r = buildEvent('PPME_SYSCALL_CLOSE_X', { res: 0, fd: 3 });
    new DataView(r.buffer).setUint32(16, 999, true);
    const w = await ScapWriter.create(join(dir, 'bad.scap'), { metadata: emptyMeta() });
    await expect(w.writeBatch(batchOf([r]))).rejects.toThrow(/bad length/);
    await w.close();
  });

  it('writes ~1M events in reused chunks, and sysdig reads the result (throughput lives in bench/)', async () => {
    const recs: Uint8Array[] = [];
    for (let i = 0; i < 4096; i++) {
      recs.push(i % 2 === 0
        ? buildEvent('PPME_SYSCALL_OPENAT_2_X', { fd: 3, dirfd: -100, name: `/etc/file${i}`, flags: 1, mode: 0, dev: 0, ino: BigInt(i) }, { tid: 1000 + (i % 7), ts: 1_700_000_000_000_000_000n + BigInt(i) })
        : buildEvent('PPME_SYSCALL_READ_X', { res: 64, data: Uint8Array.from({ length: 64 }, (_, k) => (k * i) & 255), fd: 3, size: 64 }, { tid: 1000 }));
    }
    const batch = batchOf(recs);
    const file = join(dir, 'perf.scap');
    const w = await ScapWriter.create(file, { metadata: emptyMeta() });
    while (w.events < 1_000_000) await w.writeBatch(batch);
    await w.close();
    expect(w.events).toBeGreaterThanOrEqual(1_000_000);
    if (HAVE_SYSDIG) expect(lines(sysdig(file, '%evt.num', ['-n', '5']).out)).toEqual(['1', '2', '3', '4', '5']);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------
// sysdig oracle on a real snapshot of this test's own process tree.

describe('scap-writer: sysdig 0.29.3 reads our captures', () => {
  let child: ChildProcess;
  let server: Server;
  let client: Socket;
  let port = 0;
  let filePath = '';
  let fileFd = -1;
  let snap: ProcSnapshot;
  const SECRET = 'sensord-env-marker-5f1c0a';

  beforeAll(async () => {
    filePath = realpathSync(dir) + '/opened-only-in-fd-list.txt';
    fileFd = openSync(filePath, 'w');
    server = createServer();
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    port = (server.address() as { port: number }).port;
    client = connect(port, '127.0.0.1');
    await new Promise<void>((res) => client.once('connect', () => res()));
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'child-marker'], {
      cwd: dir, env: { ...process.env, SENSORD_TEST_SECRET: SECRET }, stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 200));
    snap = readProcSnapshot({ pids: new Set([process.pid, child.pid!]) });
  });

  afterAll(() => {
    child?.kill();
    client?.destroy();
    server?.close();
    if (fileFd >= 0) closeSync(fileFd);
  });

  function events(): Uint8Array[] {
    const tid = process.pid;
    const fds = snap.fds.get(tid)!;
    const listener = fds.find((f) => f.type === ScapFdType.Ipv4ServSock && f.sport === port)!;
    const clientFd = fds.find((f) => f.type === ScapFdType.Ipv4Sock && f.dport === port)!;
    expect(listener).toBeDefined();
    expect(clientFd).toBeDefined();
    const ts = 1_700_000_000_000_000_000n;
    return [
      buildEvent('PPME_SYSCALL_OPENAT_2_X', { fd: 900, dirfd: -100, name: '/tmp/sensord-new-file', flags: 1, mode: 0, dev: 0, ino: 1 }, { tid, ts }),
      buildEvent('PPME_SYSCALL_CLOSE_E', { fd: fileFd }, { tid, ts: ts + 1n }),
      buildEvent('PPME_SYSCALL_CLOSE_X', { res: 0, fd: fileFd }, { tid, ts: ts + 2n }),
      buildEvent('PPME_SYSCALL_CLOSE_E', { fd: listener.fd }, { tid, ts: ts + 3n }),
      buildEvent('PPME_SOCKET_CONNECT_X', {
        res: -111, tuple: ipv4Tuple('127.0.0.1', clientFd.sport!, '127.0.0.1', port), fd: clientFd.fd,
        addr: Uint8Array.of(2, 127, 0, 0, 1, port & 0xff, port >> 8),
      }, { tid, ts: ts + 4n }),
      buildEvent('PPME_SYSCALL_EXECVE_19_X', {
        res: 0, exe: '/bin/true', args: ['--version'], tid, pid: tid, ptid: process.ppid, cwd: '/', fdlimit: 1024,
        pgft_maj: 0, pgft_min: 0, vm_size: 0, vm_rss: 0, vm_swap: 0, comm: 'true', cgroups: [], env: [], tty: 0,
        vpgid: tid, loginuid: 0, flags: 0, cap_inheritable: 0, cap_permitted: 0, cap_effective: 0, exe_ino: 0,
        exe_ino_ctime: 0, exe_ino_mtime: 0, uid: 0, trusted_exepath: '/usr/bin/true', pgid: tid, gid: 0, filename: '/bin/true',
      }, { tid, ts: ts + 5n }),
    ];
  }

  for (const gzip of [true, false]) {
    sysdigIt(`reads a capture from a real /proc snapshot + synthetic events (gzip=${gzip})`, async () => {
      const file = join(dir, `oracle-${gzip}.scap`);
      const w = await ScapWriter.create(file, { gzip, metadata: snap });
      await w.writeBatch(batchOf(events(), 1));
      await w.close();

      expectCleanRead(file);
      expect(lines(sysdig(file, '*%evt.num %evt.type %evt.dir %evt.rawres').out)).toEqual([
        '1 openat < 900', '2 close > <NA>', '3 close < 0', '4 close > <NA>', '5 connect < -111', '6 execve < 0',
      ]);
      const me = snap.threads.find((t) => t.tid === process.pid)!;
      const names = lines(sysdig(file, '*%evt.num %proc.name %fd.name %fd.type').out);
      expect(names[0]).toBe(`1 ${me.comm} /tmp/sensord-new-file file`);
      // fds that exist only in the fd list we wrote:
      expect(names[1]).toBe(`2 ${me.comm} ${filePath} file`);
      expect(names[3]).toBe(`4 ${me.comm} 127.0.0.1:${port} ipv4`);
      const cfd = snap.fds.get(process.pid)!.find((f) => f.type === ScapFdType.Ipv4Sock && f.dport === port)!;
      expect(names[4]).toBe(`5 ${me.comm} 127.0.0.1:${cfd.sport}->127.0.0.1:${port} ipv4`);
      expect(names[5]).toMatch(/^6 true /);
      // Process list: the child's exe/args/cwd as sysdig sees them (an event on the child's tid).
      const f2 = join(dir, `oracle-child-${gzip}.scap`);
      const w2 = await ScapWriter.create(f2, { gzip, metadata: snap });
      await w2.writeBatch(batchOf([buildEvent('PPME_SYSCALL_CLOSE_E', { fd: 0 }, { tid: child.pid })]));
      await w2.close();
      expect(lines(sysdig(f2, '*%proc.pid %proc.ppid %proc.exe %proc.args %proc.cwd %user.uid').out)).toEqual([
        `${child.pid} ${process.pid} ${process.execPath} -e setTimeout(() => {}, 60000) child-marker ${realpathSync(dir)}/ ${process.getuid!()}`,
      ]);
      // No environment of this machine in a fixture-style capture.
      let bytes = readFileSync(file);
      if (gzip) bytes = gunzipSync(bytes);
      expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    });
  }

  sysdigIt('reads a full-machine snapshot (all processes, threads and fds) with no error', async () => {
    const all = readProcSnapshot({ includeThreads: true });
    const file = join(dir, 'full-machine.scap');
    const w = await ScapWriter.create(file, { metadata: all });
    await w.writeBatch(batchOf([buildEvent('PPME_SYSCALL_CLOSE_X', { res: 0, fd: 0 }, { tid: process.pid })]));
    await w.close();
    expectCleanRead(file);
    expect(lines(sysdig(file, '*%evt.num %evt.type').out)).toEqual(['1 close']);
    // Every fd type that reached the file is one sysdig 0.29.3 knows.
    for (const b of readBlocks(file)) {
      if (b.type !== BlockType.FDL_V2) continue;
      for (const e of fdlEntries(b.body).entries) expect(e.type).toBeLessThanOrEqual(16);
    }
  });

  sysdigIt('reads fd entries of every type the writer emits (incl. downgraded bpf/userfaultfd/io_uring/memfd/pidfd)', async () => {
    const md = emptyMeta();
    md.threads.push(thread(4242));
    const fds: FdEntry[] = [];
    for (let type = 1; type <= 21; type++) {
      fds.push({
        fd: type, ino: BigInt(type), type, name: `/fd/${type}`, openFlags: 1, dev: 0,
        sip: Uint8Array.of(127, 0, 0, 1), dip: Uint8Array.of(127, 0, 0, 1), sport: 1000 + type, dport: 80, l4proto: 2,
        unixSource: 1n, unixDest: 0n,
      });
    }
    md.fds.set(4242, fds);
    const file = join(dir, 'fdtypes.scap');
    const w = await ScapWriter.create(file, { metadata: md });
    await w.writeBatch(batchOf(fds.map((f) => buildEvent('PPME_SYSCALL_CLOSE_E', { fd: f.fd }, { tid: 4242 }))));
    await w.close();
    expectCleanRead(file);
    const got = lines(sysdig(file, '*%fd.num %fd.type').out);
    expect(got).toHaveLength(21);
    expect(got[19]).toBe('20 file'); // memfd → FILE_V2
    expect(got[2]).toBe('3 ipv4');
    expect(got[7]).toBe('8 unix');
  });
});
