// State lifecycles: fds and threads appear, change and disappear the way libsinsp tracks them.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEvent, batchOf, ipv4Tuple, type ParamValue } from '../helpers/event-builder.js';
import { EventView } from '../../sensor/src/decode/event-view.js';
import { FdTable, SocketRole, SystemState, ThreadTable, concatenatePaths, newFdInfo, newThreadInfo } from '../../sensor/src/state/index.js';
import { ScapFdType } from '../../sensor/src/schema/capture-types.js';

function harness() {
  const state = new SystemState({ maxThreads: 1000, maxFdsPerProcess: 100 });
  const view = new EventView();
  const apply = (code: string, params: Record<string, ParamValue>, tid = 100, nparams?: number) => {
    const b = batchOf([buildEvent(code, params, { tid }, nparams)]);
    view.set(b.bytes, b.view, b.offsets[0], 0, 1);
    state.process(view);
  };
  return { state, apply };
}

describe('SystemState', () => {
  it('an unknown tid gets a placeholder thread named "<NA>" (libsinsp\'s text, which conditions compare); execve names it', () => {
    const { state, apply } = harness();
    apply('PPME_SYSCALL_OPEN_X', { fd: 3, name: '/etc/hosts', flags: 1, mode: 0 }, 100, 4);
    expect(state.thread(100)).toMatchObject({ comm: '<NA>', exe: '<NA>', sid: -1, vpgid: -1 });
    expect(state.fd(100, 3)?.name).toBe('/etc/hosts');
    apply('PPME_SYSCALL_EXECVE_19_X', { res: 0, exe: '/bin/cat', args: ['x'], tid: 100, pid: 100, ptid: 1, cwd: '/', comm: 'cat' }, 100, 14);
    expect(state.thread(100)).toMatchObject({ comm: 'cat', exe: '/bin/cat', args: ['x'], ptid: 1 });
  });

  it('a container event runs on a pseudo thread of its container (libsinsp get_tinfo): name, ids and container id', () => {
    const { state, apply } = harness();
    const full = 'ab'.repeat(32);
    apply('PPME_CONTAINER_JSON_2_E', { json: JSON.stringify({ container: { id: full.slice(0, 12), full_id: full, name: 'web', type: 7 } }) }, -1);
    const MINUS_ONE = 2 ** 64; // tid -1 read as unsigned: 2^64 - 1 rounds to 2^64 as a double
    expect(state.thread(MINUS_ONE)).toMatchObject({
      comm: `container:${full.slice(0, 12)}`, exe: '', tid: -1, pid: -1, ptid: 0, vtid: -2, vpid: -2, uid: 0, gid: 0, loginuid: 0, sid: -1, vpgid: -1,
      fdlimit: -1n, containerId: full.slice(0, 12), containerFullId: full,
    });
    // Each container event has a thread of its own; one without an id is the host's.
    apply('PPME_CONTAINER_JSON_2_E', { json: JSON.stringify({ container: { id: 'cd'.repeat(6), name: 'db' } }) }, -1);
    expect(state.thread(MINUS_ONE)).toMatchObject({ comm: `container:${'cd'.repeat(6)}`, containerId: 'cd'.repeat(6), containerFullId: 'cd'.repeat(6) });
    apply('PPME_CONTAINER_JSON_2_E', { json: '{"container":{}}' }, -1);
    expect(state.thread(MINUS_ONE)).toMatchObject({ containerId: 'host', containerFullId: 'host' });
    // It lives for its event only, outside the thread table: the next event of tid -1 finds no thread.
    expect(state.stats().threads.size).toBe(0);
    apply('PPME_SYSCALL_CLOSE_X', { res: 0, fd: 3 }, -1);
    expect(state.thread(MINUS_ONE)).toBeUndefined();
  });

  it('close removes the fd after the close event itself (deferred, as libsinsp)', () => {
    const { state, apply } = harness();
    apply('PPME_SYSCALL_OPEN_X', { fd: 3, name: '/a', flags: 1, mode: 0 }, 100, 4);
    apply('PPME_SYSCALL_CLOSE_E', { fd: 3 });
    apply('PPME_SYSCALL_CLOSE_X', { res: 0 }, 100, 1);
    expect(state.fd(100, 3)?.name).toBe('/a'); // still printable for the close exit
    apply('PPME_SYSCALL_READ_E', { fd: 3, size: 1 });
    expect(state.fd(100, 3)).toBeUndefined();
  });

  it('a failed close keeps the fd', () => {
    const { state, apply } = harness();
    apply('PPME_SYSCALL_OPEN_X', { fd: 3, name: '/a', flags: 1, mode: 0 }, 100, 4);
    apply('PPME_SYSCALL_CLOSE_X', { res: -9, fd: 3 });
    apply('PPME_SYSCALL_READ_E', { fd: 3, size: 1 });
    expect(state.fd(100, 3)).toBeDefined();
  });

  it('socket (enter params) + connect: type, name and client role', () => {
    const { state, apply } = harness();
    apply('PPME_SOCKET_SOCKET_E', { domain: 2, type: 1, proto: 0 });
    apply('PPME_SOCKET_SOCKET_X', { fd: 4 }, 100, 1);
    expect(state.fd(100, 4)).toMatchObject({ type: ScapFdType.Ipv4Sock, role: SocketRole.None, name: '' });
    apply('PPME_SOCKET_CONNECT_E', { fd: 4, addr: null });
    apply('PPME_SOCKET_CONNECT_X', { res: -115, tuple: ipv4Tuple('10.0.0.1', 5555, '10.0.0.2', 80) }, 100, 2);
    expect(state.fd(100, 4)).toMatchObject({ name: '10.0.0.1:5555->10.0.0.2:80', role: SocketRole.Client });
  });

  it('UDP: a successful sendto marks the socket connected; connect() then takes the local end and keeps the peer (libsinsp)', () => {
    const { state, apply } = harness();
    apply('PPME_SOCKET_SOCKET_X', { fd: 5, domain: 2, type: 2, proto: 0, flags: 0 });
    apply('PPME_SOCKET_SENDTO_X', { res: 6, data: new Uint8Array(0), fd: 5, size: 6, tuple: ipv4Tuple('0.0.0.0', 0, '10.0.0.2', 53) });
    expect(state.fd(100, 5)).toMatchObject({ connected: true, role: SocketRole.Client, name: '10.0.0.2:0->10.0.0.2:53' });
    apply('PPME_SOCKET_CONNECT_X', { res: 0, tuple: ipv4Tuple('10.0.0.1', 4000, '10.0.0.2', 53), fd: 5 });
    expect(state.fd(100, 5)).toMatchObject({ name: '10.0.0.1:4000->10.0.0.2:53', cport: 4000, sip: '10.0.0.2', sport: 53 });
    // A second connect() to another peer does not rename it (sysdig 0.29.3 prints the first peer).
    apply('PPME_SOCKET_CONNECT_X', { res: 0, tuple: ipv4Tuple('10.0.0.1', 4000, '10.0.0.9', 53), fd: 5 });
    expect(state.fd(100, 5)).toMatchObject({ name: '10.0.0.1:4000->10.0.0.2:53', sip: '10.0.0.2' });
    // A failed write leaves a fresh socket unconnected; reads count like writes.
    apply('PPME_SOCKET_SOCKET_X', { fd: 6, domain: 2, type: 2, proto: 0, flags: 0 });
    apply('PPME_SYSCALL_WRITE_X', { res: -111, data: new Uint8Array(0), fd: 6, size: 1 });
    expect(state.fd(100, 6)?.connected).toBe(false);
    apply('PPME_SYSCALL_READ_X', { res: 1, data: new Uint8Array(1), fd: 6, size: 1 });
    expect(state.fd(100, 6)?.connected).toBe(true);
  });

  it('clone: a thread shares the fd table, a process gets a copy; procexit evicts (deferred)', () => {
    const { state, apply } = harness();
    apply('PPME_SYSCALL_OPEN_X', { fd: 3, name: '/a', flags: 1, mode: 0 }, 100, 4);
    apply('PPME_SYSCALL_EXECVE_19_X', { res: 0, exe: 'sh', args: [], tid: 100, pid: 100, ptid: 1, cwd: '/', comm: 'sh' }, 100, 14);
    const CLONE_THREAD = 1 << 13;
    apply('PPME_SYSCALL_CLONE_20_X', { res: 101, exe: 'sh', args: [], tid: 100, pid: 100, ptid: 1, cwd: '/', comm: 'sh', flags: CLONE_THREAD }, 100, 16);
    apply('PPME_SYSCALL_CLONE_20_X', { res: 200, exe: 'sh', args: [], tid: 100, pid: 100, ptid: 1, cwd: '/', comm: 'sh', flags: 0 }, 100, 16);
    // libsinsp: a new thread's parent is the caller's parent; a new process's parent is the caller.
    expect(state.thread(101)).toMatchObject({ pid: 100, ptid: 1, comm: 'sh' });
    expect(state.thread(200)).toMatchObject({ pid: 200, ptid: 100 });
    expect(state.thread(101)!.fds).toBe(state.thread(100)!.fds);
    expect(state.thread(200)!.fds).not.toBe(state.thread(100)!.fds);
    expect(state.fd(200, 3)?.name).toBe('/a');
    apply('PPME_PROCEXIT_1_E', { status: 0 }, 200);
    expect(state.thread(200)).toBeDefined();
    apply('PPME_SYSCALL_READ_E', { fd: 3, size: 1 }, 100);
    expect(state.thread(200)).toBeUndefined();
  });

  it('chdir changes the cwd used for relative paths', () => {
    const { state, apply } = harness();
    apply('PPME_SYSCALL_EXECVE_19_X', { res: 0, exe: 'sh', args: [], tid: 100, pid: 100, ptid: 1, cwd: '/', comm: 'sh' }, 100, 14);
    apply('PPME_SYSCALL_CHDIR_X', { res: 0, path: '/var/../tmp' });
    apply('PPME_SYSCALL_OPEN_X', { fd: 5, name: './f', flags: 1, mode: 0 }, 100, 4);
    expect(state.fd(100, 5)?.name).toBe('/tmp/f');
  });

  it('tables are bounded: oldest entries go first', () => {
    const fds = new FdTable(3);
    for (let i = 0; i < 5; i++) fds.set(i, newFdInfo(ScapFdType.File, `/f${i}`));
    expect(fds.size).toBe(3);
    expect(fds.get(0)).toBeUndefined();
    expect(fds.get(4)?.name).toBe('/f4');
    const threads = new ThreadTable(2);
    for (let t = 1; t <= 3; t++) {
      threads.add(newThreadInfo(t, new FdTable()));
    }
    expect(threads.size).toBe(2);
    expect(threads.evicted).toBe(1);
    expect(threads.get(1)).toBeUndefined();
  });

  it('concatenatePaths normalises like libsinsp', () => {
    expect(concatenatePaths('/home/u', 'a/../b/./c')).toBe('/home/u/b/c');
    expect(concatenatePaths('/x', '/etc//passwd')).toBe('/etc/passwd');
    expect(concatenatePaths('/', '.')).toBe('/');
  });

  it('concatenatePaths: the as-is fast path for clean absolute paths agrees with full normalisation', () => {
    // An independent oracle: Node's POSIX resolve normalises the same way for these inputs (a relative path
    // joins the base; empty, `.` and `..` segments and trailing slashes go; `..` stops at the root).
    const normalise = (base: string, p: string): string => path.posix.resolve(base === '' ? '/' : base, p);
    const atoms = ['/', 'a', '.', '..', '...', '.a', 'a.', '..b', '//', 'etc', 'x.y'];
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let i = 0; i < 20_000; i++) {
      let p = rnd(4) === 0 ? '' : '/';
      for (let k = rnd(7); k > 0; k--) p += atoms[rnd(atoms.length)];
      expect(concatenatePaths('/base/dir', p), JSON.stringify(p)).toBe(normalise('/base/dir', p));
    }
    for (const p of ['/', '/a', '/a/b', '/a/.b', '/a/..b', '/a/b.', '/.', '/..', '/a/.', '/a/..', '/a/', '/a//b', '/a/./b']) {
      expect(concatenatePaths('', p), p).toBe(normalise('', p));
    }
  });
});
