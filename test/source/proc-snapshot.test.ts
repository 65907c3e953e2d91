// readProcSnapshot on this machine's /proc: own process and a child with known exe/args/cwd, an opened file and
// a loopback (127.0.0.1 only) TCP listener + client in the fd list, privacy default (no env), filtering,
// tolerance of unreadable/vanished processes, and timing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  readProcSnapshot, openFlagsToPpm, kernelDev, ipv6Bytes, readUsers, L4, type ProcSnapshot,
} from '../../sensor/src/source/proc-snapshot.js';
import { ScapFdType } from '../../sensor/src/schema/capture-types.js';

const PPM_O_RDONLY = 1;
const PPM_O_WRONLY = 2;
const PPM_O_APPEND = 1 << 3;
const PPM_O_CLOEXEC = 1 << 12;

describe('proc-snapshot: helpers', () => {
  it('converts Linux open flags to PPM_O_* flags', () => {
    expect(openFlagsToPpm(0)).toBe(PPM_O_RDONLY);
    expect(openFlagsToPpm(0o1)).toBe(PPM_O_WRONLY);
    expect(openFlagsToPpm(0o2)).toBe(PPM_O_RDONLY | PPM_O_WRONLY);
    expect(openFlagsToPpm(0o2000001 | 0o2000)).toBe(PPM_O_WRONLY | PPM_O_CLOEXEC | PPM_O_APPEND);
    expect(openFlagsToPpm(0o200000)).toBe(PPM_O_RDONLY | (1 << 10)); // O_DIRECTORY
    expect(openFlagsToPpm(0o20200002)).toBe(3 | (1 << 13)); // O_TMPFILE|O_RDWR, not O_DIRECTORY
  });

  it('encodes dev_t the kernel way (major << 20 | minor)', () => {
    // glibc makedev(8, 1) = 0x801; makedev(259, 65536) has high bits in both halves.
    expect(kernelDev(0x801n)).toBe((8 << 20) | 1);
    const dev = (259n & 0xfffn) << 8n | (65536n & 0xffn) | ((65536n & ~0xffn) << 12n);
    expect(kernelDev(dev)).toBe(((259 << 20) | 65536) >>> 0);
  });

  it('parses IPv6 text into network-order bytes', () => {
    expect([...ipv6Bytes('::1')]).toEqual([...new Array(15).fill(0), 1]);
    expect([...ipv6Bytes('fe80::1%eth0')]).toEqual([0xfe, 0x80, ...new Array(13).fill(0), 1]);
    expect([...ipv6Bytes('ffff:ffff:ffff:ffff::')]).toEqual([...new Array(8).fill(0xff), ...new Array(8).fill(0)]);
    expect([...ipv6Bytes('::ffff:127.0.0.1')]).toEqual([...new Array(10).fill(0), 0xff, 0xff, 127, 0, 0, 1]);
  });

  it('reads users and groups from an /etc directory', () => {
    const etc = mkdtempSync(join(tmpdir(), 'snap-etc-'));
    writeFileSync(join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n#c\nbad\nsvc:x:999:998::/nonexistent:/usr/sbin/nologin\n');
    writeFileSync(join(etc, 'group'), 'root:x:0:\nsvc:x:998:a,b\n');
    expect(readUsers(etc)).toEqual({
      users: [
        { name: 'root', uid: 0, gid: 0, homedir: '/root', shell: '/bin/bash' },
        { name: 'svc', uid: 999, gid: 998, homedir: '/nonexistent', shell: '/usr/sbin/nologin' },
      ],
      groups: [{ name: 'root', gid: 0 }, { name: 'svc', gid: 998 }],
    });
    rmSync(etc, { recursive: true, force: true });
  });
});

describe('proc-snapshot: this process tree', () => {
  let dir: string;
  let filePath: string;
  let fileFd: number;
  let server: Server;
  let client: Socket;
  let port: number;
  let child: ChildProcess;
  let snap: ProcSnapshot;
  const SECRET = 'proc-snapshot-env-marker-93ab';

  beforeAll(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'proc-snapshot-')));
    filePath = join(dir, 'opened.txt');
    fileFd = openSync(filePath, 'a');
    server = createServer();
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    port = (server.address() as { port: number }).port;
    client = connect(port, '127.0.0.1');
    await new Promise<void>((res) => client.once('connect', () => res()));
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'arg one', 'arg2'], {
      cwd: dir, env: { ...process.env, SENSORD_SNAPSHOT_SECRET: SECRET }, stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 200));
    snap = readProcSnapshot({ pids: new Set([process.pid, child.pid!]) });
  });

  afterAll(() => {
    child?.kill();
    client?.destroy();
    server?.close();
    closeSync(fileFd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds only the filtered processes', () => {
    expect(snap.threads.map((t) => t.tid).sort((a, b) => a - b)).toEqual([process.pid, child.pid!].sort((a, b) => a - b));
    expect([...snap.fds.keys()].sort((a, b) => a - b)).toEqual([process.pid, child.pid!].sort((a, b) => a - b));
    const pred = readProcSnapshot({ pids: (pid) => pid === child.pid, includeFds: false });
    expect(pred.threads.map((t) => t.pid)).toEqual([child.pid]);
  });

  it('own process: exe, exepath, cwd, uid/gid, ids, caps', () => {
    const me = snap.threads.find((t) => t.tid === process.pid)!;
    expect(me.pid).toBe(process.pid);
    expect(me.ptid).toBe(process.ppid);
    expect(me.exepath).toBe(realpathSync(process.execPath));
    expect(me.cwd).toBe(process.cwd());
    expect(me.uid).toBe(process.geteuid!());
    expect(me.gid).toBe(process.getegid!());
    // argv of this worker may have been rewritten by process.title (tinypool), so only check it is there;
    // exact exe/args are checked on the child below.
    expect(me.exe.length).toBeGreaterThan(0);
    expect(me.vmrssKb).toBeGreaterThan(0);
    expect(me.fdlimit).toBeGreaterThan(0n);
    expect(me.root).toBe('/');
    expect(me.exeIno).toBeGreaterThan(0n);
    expect(me.exeInoMtime).toBeGreaterThan(1_000_000_000_000_000_000n);
    expect(me.cgroups.length).toBeGreaterThan(0);
    for (const c of me.cgroups) expect(c).toMatch(/^.+=\//);
    expect(me.pidnsInitStartTs).toBeGreaterThan(0n);
    expect(snap.startTs.get(process.pid)!).toBeLessThanOrEqual(BigInt(Date.now()) * 1_000_000n);
    expect(snap.startTs.get(process.pid)!).toBeGreaterThan(snap.machine.bootTsEpoch - 1n);
  });

  it('child process: exe, args, cwd, parent', () => {
    const c = snap.threads.find((t) => t.tid === child.pid)!;
    expect(c.exe).toBe(process.execPath);
    expect(c.args).toEqual(['-e', 'setTimeout(() => {}, 60000)', 'arg one', 'arg2']);
    expect(c.cwd).toBe(dir);
    expect(c.ptid).toBe(process.pid);
    expect(c.uid).toBe(process.geteuid!());
    expect(c.comm.length).toBeGreaterThan(0);
  });

  it('environment is left out by default and read with includeEnv', () => {
    for (const t of snap.threads) expect(t.env).toEqual([]);
    const withEnv = readProcSnapshot({ pids: new Set([child.pid!]), includeEnv: true, includeFds: false });
    expect(withEnv.threads[0].env).toContain(`SENSORD_SNAPSHOT_SECRET=${SECRET}`);
  });

  it('fd list: the opened file as FILE_V2 with path, flags, ino', () => {
    const f = snap.fds.get(process.pid)!.find((e) => e.fd === fileFd)!;
    expect(f).toBeDefined();
    expect(f.type).toBe(ScapFdType.FileV2);
    expect(f.name).toBe(filePath);
    expect(f.openFlags & 3).toBe(PPM_O_WRONLY);
    expect(f.openFlags & PPM_O_APPEND).toBe(PPM_O_APPEND);
    expect(f.openFlags & PPM_O_CLOEXEC).toBe(PPM_O_CLOEXEC);
    expect(f.ino).toBeGreaterThan(0n);
    expect(f.dev).toBeGreaterThan(0);
  });

  it('fd list: the loopback listener as an IPv4 server socket, the client as a connected IPv4 socket', () => {
    const fds = snap.fds.get(process.pid)!;
    const lst = fds.filter((e) => e.type === ScapFdType.Ipv4ServSock && e.sport === port);
    expect(lst).toHaveLength(1);
    expect([...lst[0].sip!]).toEqual([127, 0, 0, 1]);
    expect(lst[0].l4proto).toBe(L4.TCP);
    expect(lst[0].ino).toBeGreaterThan(0n);
    const cli = fds.filter((e) => e.type === ScapFdType.Ipv4Sock && e.dport === port);
    expect(cli).toHaveLength(1);
    expect([...cli[0].sip!]).toEqual([127, 0, 0, 1]);
    expect([...cli[0].dip!]).toEqual([127, 0, 0, 1]);
    expect(cli[0].sport).toBe(client.localPort);
    // and the accepted end on the server side (local = listener port)
    expect(fds.some((e) => e.type === ScapFdType.Ipv4Sock && e.sport === port && e.dport === client.localPort)).toBe(true);
  });

  it('fd list: pipes as FIFO, anon inodes by kind, everything typed', () => {
    const fds = snap.fds.get(process.pid)!;
    for (const e of fds) expect(e.type).not.toBe(ScapFdType.Unknown);
    // Node's event loop has an epoll fd and an eventfd.
    expect(fds.some((e) => e.type === ScapFdType.EventPoll)).toBe(true);
    expect(fds.some((e) => e.type === ScapFdType.Event)).toBe(true);
    const pipes = fds.filter((e) => e.type === ScapFdType.Fifo);
    for (const p of pipes) { expect(p.name).toMatch(/^pipe:\[\d+\]$/); expect(p.ino).toBeGreaterThan(0n); }
    const sorted = fds.map((e) => e.fd);
    expect(sorted).toEqual([...sorted].sort((a, b) => a - b));
  });

  it('threads: includeThreads lists every tid of the process, marked as threads', () => {
    const s = readProcSnapshot({ pids: new Set([process.pid]), includeThreads: true, includeFds: false });
    expect(s.threads.length).toBeGreaterThan(1); // node always has worker threads
    for (const t of s.threads) {
      expect(t.pid).toBe(process.pid);
      if (t.tid !== t.pid) expect(t.flags & (1 << 13)).not.toBe(0);
    }
  });

  it('machine, users, interfaces', () => {
    expect(snap.machine.numCpus).toBeGreaterThan(0);
    expect(snap.machine.memorySizeBytes).toBeGreaterThan(0n);
    expect(snap.machine.maxPid).toBeGreaterThan(0n);
    expect(snap.machine.bootTsEpoch).toBeLessThan(BigInt(Date.now()) * 1_000_000n);
    expect(snap.users.some((u) => u.uid === 0)).toBe(true);
    const lo = snap.interfaces.find((i) => i.family === 'ipv4' && i.name === 'lo');
    if (lo) expect([...lo.addr, ...lo.bcast]).toEqual([127, 0, 0, 1, 127, 255, 255, 255]);
  });
});

describe('proc-snapshot: robustness and cost', () => {
  it('skips processes whose files vanish or cannot be read', () => {
    const root = mkdtempSync(join(tmpdir(), 'fake-proc-'));
    mkdirSync(join(root, '123'));                    // no stat at all: vanished
    mkdirSync(join(root, '124'));
    writeFileSync(join(root, '124', 'stat'), '124 (x y) S 1 124 124 0 -1 4194560 10 0 2 0 0 0 0 0 20 0 1 0 500 1000 10');
    writeFileSync(join(root, '124', 'status'), 'Name:\tx y\nUid:\t5\t6\t6\t6\nGid:\t7\t8\t8\t8\nPPid:\t1\n');
    mkdirSync(join(root, 'net'));
    const s = readProcSnapshot({ procRoot: root, includeUsers: false, includeInterfaces: false });
    expect(s.skipped).toBe(1);
    expect(s.threads).toHaveLength(1);
    const t = s.threads[0];
    expect(t).toMatchObject({ tid: 124, comm: 'x y', uid: 6, gid: 8, ptid: 1, exe: 'x y', exepath: '', cwd: '', pfMajor: 2n, pfMinor: 10n });
    expect(s.fds.get(124)).toEqual([]);
    rmSync(root, { recursive: true, force: true });
  });

  it('types fds from link text and /proc/net tables (tcp6, udp, unix, pipes, anon inodes, memfd, unresolved)', () => {
    const root = mkdtempSync(join(tmpdir(), 'fake-proc-'));
    const pdir = join(root, '200');
    mkdirSync(join(pdir, 'fd'), { recursive: true });
    mkdirSync(join(pdir, 'fdinfo'));
    mkdirSync(join(root, 'net'));
    writeFileSync(join(pdir, 'stat'), '200 (srv) S 1 200 200 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 1000 10');
    writeFileSync(join(pdir, 'status'), 'Name:\tsrv\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nPPid:\t1\n');
    const links: Record<string, string> = {
      3: 'socket:[555]', 4: 'socket:[556]', 5: 'socket:[557]', 6: 'pipe:[77]', 7: 'anon_inode:[eventfd]',
      8: 'anon_inode:bpf-map', 9: 'socket:[999]', 10: '/memfd:foo (deleted)', 11: 'anon_inode:inotify', 12: 'socket:[558]',
    };
    for (const [fd, target] of Object.entries(links)) symlinkSync(target, join(pdir, 'fd', fd));
    writeFileSync(join(pdir, 'fdinfo', '10'), 'pos:\t0\nflags:\t02000002\nmnt_id:\t1\n');
    const hdr = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    writeFileSync(join(root, 'net', 'tcp6'), hdr +
      '   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000000000000 100 0 0 10 0\n');
    writeFileSync(join(root, 'net', 'udp'), hdr +
      '   0: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 557 2 0000000000000000 0\n');
    writeFileSync(join(root, 'net', 'tcp'), hdr +
      '   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 558 1 0000000000000000 20 4 30 10 -1\n');
    writeFileSync(join(root, 'net', 'unix'), 'Num       RefCount Protocol Flags    Type St Inode Path\n' +
      'ffff8f0a12345678: 00000002 00000000 00010000 0001 01 556 /run/x.sock\n');
    const s = readProcSnapshot({ procRoot: root, includeUsers: false, includeInterfaces: false });
    const byFd = new Map(s.fds.get(200)!.map((e) => [e.fd, e]));
    expect(byFd.get(3)).toMatchObject({ type: ScapFdType.Ipv6ServSock, sport: 8080, l4proto: L4.TCP, ino: 555n });
    expect([...byFd.get(3)!.sip!]).toEqual([...new Array(15).fill(0), 1]);
    expect(byFd.get(4)).toMatchObject({ type: ScapFdType.UnixSock, name: '/run/x.sock', unixSource: 0xffff8f0a12345678n, unixDest: 0n });
    expect(byFd.get(5)).toMatchObject({ type: ScapFdType.Ipv4ServSock, sport: 53, l4proto: L4.UDP });
    expect(byFd.get(12)).toMatchObject({ type: ScapFdType.Ipv4Sock, sport: 40000, dport: 8080, l4proto: L4.TCP });
    expect([...byFd.get(12)!.sip!, ...byFd.get(12)!.dip!]).toEqual([127, 0, 0, 1, 127, 0, 0, 1]);
    expect(byFd.get(6)).toMatchObject({ type: ScapFdType.Fifo, name: 'pipe:[77]', ino: 77n });
    expect(byFd.get(7)).toMatchObject({ type: ScapFdType.Event });
    expect(byFd.get(8)).toMatchObject({ type: ScapFdType.Bpf, name: 'anon_inode:bpf-map' });
    expect(byFd.get(9)).toMatchObject({ type: ScapFdType.Unsupported, name: 'socket:[999]' });
    expect(byFd.get(10)).toMatchObject({ type: ScapFdType.Memfd, name: '/memfd:foo (deleted)', openFlags: 3 | PPM_O_CLOEXEC });
    expect(byFd.get(11)).toMatchObject({ type: ScapFdType.Inotify });
    rmSync(root, { recursive: true, force: true });
  });

  it('tolerates processes exiting during the scan', async () => {
    const kids = Array.from({ length: 20 }, () => spawn('sh', ['-c', 'exit 0'], { stdio: 'ignore' }));
    const s = readProcSnapshot({ includeThreads: true });
    await Promise.all(kids.map((k) => new Promise((r) => k.once('exit', r))));
    expect(s.threads.length).toBeGreaterThan(0);
  });

  it('snapshots the whole machine: every process, its threads and fds (cost is measured in bench/)', async () => {
    const kids = Array.from({ length: 200 }, () => spawn('sleep', ['20'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await new Promise((r) => setTimeout(r, 500));
    try {
      readProcSnapshot(); // warm-up
      const s = readProcSnapshot({ includeThreads: true });
      const nfds = [...s.fds.values()].reduce((a, l) => a + l.length, 0);
      expect(s.fds.size).toBeGreaterThanOrEqual(200);
      expect(s.threads.length).toBeGreaterThanOrEqual(s.fds.size);
      expect(nfds).toBeGreaterThan(200);
    } finally {
      for (const k of kids) k.kill();
    }
  });
});
