// Lifecycle paths of the full state model: every fork/exec/exit/set*id/chdir/capset and fd path updates or
// evicts what libsinsp would, and every table reports its size and evictions.
import { describe, expect, it } from 'vitest';
import { buildEvent, batchOf, ipv4Tuple, type ParamValue } from '../helpers/event-builder.js';
import { EventView } from '../../sensor/src/decode/event-view.js';
import { world as fieldWorld, CAT as CAT_TID } from '../rules/fields/helpers.js';
import { L4Proto, SockFamily, SocketRole, SystemState } from '../../sensor/src/state/index.js';
import { ScapFdType, type CaptureMetadata, type ThreadEntry } from '../../sensor/src/schema/capture-types.js';

const CLONE_THREAD = 1 << 13;
const CLONE_FILES = 1 << 0;
const PPM_O_RDONLY = 1, PPM_O_CLOEXEC = 1 << 12, PPM_O_DIRECTORY = 1 << 10;
const CONTAINERD_CG = 'cpu=/kubepods/besteffort/pod1c3d/605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22';

function harness(limits = { maxThreads: 1000, maxFdsPerProcess: 100 }) {
  const state = new SystemState(limits);
  const view = new EventView();
  let ts = 1_000_000_000n;
  const apply = (code: string, params: Record<string, ParamValue>, tid = 100, nparams?: number) => {
    ts += 1000n;
    const b = batchOf([buildEvent(code, params, { tid, ts }, nparams)]);
    view.set(b.bytes, b.view, b.offsets[0], 0, 1);
    state.process(view);
  };
  const execve = (tid: number, exe: string, extra: Record<string, ParamValue> = {}) =>
    apply('PPME_SYSCALL_EXECVE_19_X', {
      res: 0, exe, args: ['-c', 'x'], tid, pid: tid, ptid: 1, cwd: '/home/u', comm: exe.split('/').pop()!,
      trusted_exepath: exe, env: ['A=1'], cgroups: ['cpu=/user.slice'], uid: 1000, gid: 1000, loginuid: 1000,
      tty: 34816, flags: 0, cap_inheritable: 0n, cap_permitted: 0x1ffn, cap_effective: 0x1ffn, exe_ino: 42n,
      fdlimit: 1024, ...extra,
    }, tid);
  const clone = (caller: number, child: number, flags: number, extra: Record<string, ParamValue> = {}) =>
    apply('PPME_SYSCALL_CLONE_20_X', {
      res: child, exe: 'bash', args: [], tid: caller, pid: caller, ptid: 1, cwd: '/home/u', comm: 'bash',
      flags, uid: 1000, gid: 1000, vtid: caller, vpid: caller, ...extra,
    }, caller);
  return { state, apply, execve, clone, now: () => ts };
}

function entry(tid: number, pid: number, ptid: number, comm: string, extra: Partial<ThreadEntry> = {}): ThreadEntry {
  return {
    tid, pid, ptid, sid: 1, vpgid: pid, pgid: pid, comm, exe: comm, exepath: `/usr/bin/${comm}`, args: [], cwd: '/',
    fdlimit: 1024n, flags: 0, uid: 0, gid: 0, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfMajor: 0n, pfMinor: 0n, env: [],
    vtid: tid, vpid: pid, cgroups: [], root: '/', pidnsInitStartTs: 0n, tty: 0, loginuid: 0xffffffff,
    exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false,
    exeLowerLayer: false, exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n, ...extra,
  };
}

describe('thread lifecycle', () => {
  it('execve replaces exe, args, env, exepath, cwd, caps, ino, cgroups and the container id', () => {
    const { state, execve, now } = harness();
    execve(100, '/bin/bash');
    execve(100, '/usr/bin/cat', { cgroups: [CONTAINERD_CG], flags: (1 << 0) | (1 << 1), exe_ino: 77n, uid: 0 });
    const th = state.thread(100)!;
    expect(th).toMatchObject({
      exe: '/usr/bin/cat', exepath: '/usr/bin/cat', comm: 'cat', args: ['-c', 'x'], env: ['A=1'], cwd: '/home/u/',
      uid: 0, gid: 1000, loginuid: 1000, tty: 34816, exeIno: 77n, capPermitted: 0x1ffn, fdlimit: 1024n,
      exeWritable: true, exeUpperLayer: true, exeFromMemfd: false, containerId: '605439acbd4f',
      containerFullId: '605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22',
    });
    expect(th.lastExecTs).toBe(now());
  });

  it('execve closes O_CLOEXEC fds and keeps the others', () => {
    const { state, apply, execve } = harness();
    execve(100, '/bin/sh');
    apply('PPME_SYSCALL_OPEN_X', { fd: 3, name: '/a', flags: PPM_O_RDONLY | PPM_O_CLOEXEC, mode: 0 });
    apply('PPME_SYSCALL_OPEN_X', { fd: 4, name: '/b', flags: PPM_O_RDONLY, mode: 0 });
    execve(100, '/bin/cat');
    expect(state.fd(100, 3)).toBeUndefined();
    expect(state.fd(100, 4)?.name).toBe('/b');
  });

  it('clone: a child process inherits fds, cwd, exepath, caps and container; a thread shares the fd table', () => {
    const { state, apply, execve, clone, now } = harness();
    execve(100, '/bin/bash', { cgroups: [CONTAINERD_CG] });
    apply('PPME_SYSCALL_OPEN_X', { fd: 3, name: 'notes', flags: PPM_O_RDONLY, mode: 0 });
    clone(100, 200, 0);
    const child = state.thread(200)!;
    expect(child).toMatchObject({
      pid: 200, ptid: 100, vtid: 200, vpid: 200, exepath: '/bin/bash', cwd: '/home/u/', capEffective: 0x1ffn,
      containerId: '605439acbd4f', loginuid: 1000, tty: 34816,
    });
    expect(child.cloneTs).toBe(now());
    expect(state.fd(200, 3)?.name).toBe('/home/u/notes');
    expect(child.fds).not.toBe(state.thread(100)!.fds);
    clone(100, 101, CLONE_THREAD | CLONE_FILES);
    expect(state.thread(101)).toMatchObject({ pid: 100, ptid: 1 });
    expect(state.thread(101)!.fds).toBe(state.thread(100)!.fds);
    // The child's fds are its own copy: closing in the child leaves the parent's.
    apply('PPME_SYSCALL_CLOSE_X', { res: 0, fd: 3 }, 200);
    apply('PPME_SYSCALL_READ_E', { fd: 3, size: 1 }, 200);
    expect(state.fd(200, 3)).toBeUndefined();
    expect(state.fd(100, 3)).toBeDefined();
  });

  it('clone into a new pid namespace waits for the child event, which carries vtid/vpid', () => {
    const { state, execve, clone } = harness();
    execve(100, '/usr/bin/unshare');
    clone(100, 300, 1 << 29);
    expect(state.thread(300)).toBeUndefined();
    clone(300, 0, 1 << 29, { tid: 300, pid: 300, ptid: 100, vtid: 1, vpid: 1 });
    expect(state.thread(300)).toMatchObject({ pid: 300, ptid: 100, vtid: 1, vpid: 1, inPidNs: true, exepath: '/usr/bin/unshare' });
  });

  it('procexit keeps the thread for the exit event itself, then evicts it; orphans follow the reaper', () => {
    const { state, apply, execve, clone } = harness();
    execve(100, '/bin/bash');
    clone(100, 200, 0);
    apply('PPME_SYSCALL_EXECVE_19_X', { res: 0, exe: 'sh', args: [], tid: 200, pid: 200, ptid: 100, comm: 'sh' }, 200);
    clone(200, 300, 0, { tid: 200, pid: 200, ptid: 100, comm: 'sh', exe: 'sh' });
    apply('PPME_PROCEXIT_1_E', { status: 0, reaper_tid: 100 }, 200);
    expect(state.thread(200)?.comm).toBe('sh');
    expect(state.parent(state.thread(300)!)?.comm).toBe('sh');
    apply('PPME_SYSCALL_READ_E', { fd: 0, size: 1 }, 300);
    expect(state.thread(200)).toBeUndefined();
    expect(state.parent(state.thread(300)!)?.tid).toBe(100);
    expect(state.thread(300)!.ptid).toBe(100);
    expect(state.stats().threads.removals).toBe(1);
  });

  it('ancestors: proc.aname[N] walks main threads up the tree', () => {
    const { state, execve, clone, apply } = harness();
    execve(100, '/bin/bash');
    clone(100, 200, 0);
    apply('PPME_SYSCALL_EXECVE_19_X', { res: 0, exe: 'sh', args: [], tid: 200, pid: 200, ptid: 100, comm: 'sh' }, 200);
    clone(200, 300, 0, { comm: 'sh', exe: 'sh' });
    clone(300, 301, CLONE_THREAD, { comm: 'sh', exe: 'sh', tid: 300, pid: 300, ptid: 200 });
    apply('PPME_SYSCALL_EXECVE_19_X', { res: 0, exe: 'cat', args: [], tid: 300, pid: 300, ptid: 200, comm: 'cat' }, 300);
    const th = state.thread(301)!;
    expect(state.mainThread(th).tid).toBe(300);
    expect(state.ancestor(th, 1)?.comm).toBe('sh');
    expect(state.ancestor(th, 2)?.comm).toBe('bash');
    expect(state.ancestor(th, 9)).toBeUndefined();
  });

  it('setuid/setresuid/setgid update ids on success only; -1 leaves them', () => {
    const { state, apply, execve } = harness();
    execve(100, '/usr/bin/sudo');
    apply('PPME_SYSCALL_SETUID_X', { res: -1, uid: 0 });
    expect(state.thread(100)!.uid).toBe(1000);
    apply('PPME_SYSCALL_SETUID_X', { res: 0, uid: 0 });
    expect(state.thread(100)!.uid).toBe(0);
    apply('PPME_SYSCALL_SETRESUID_X', { res: 0, ruid: 5, euid: 33, suid: 5 });
    expect(state.thread(100)!.uid).toBe(33);
    apply('PPME_SYSCALL_SETRESUID_X', { res: 0, ruid: 5, euid: 0xffffffff, suid: 5 });
    expect(state.thread(100)!.uid).toBe(33);
    apply('PPME_SYSCALL_SETRESGID_X', { res: 0, rgid: 7, egid: 7, sgid: 7 });
    expect(state.thread(100)!.gid).toBe(7);
  });

  it('capset sets the capability masks', () => {
    const { state, apply, execve } = harness();
    execve(100, '/bin/sh');
    apply('PPME_SYSCALL_CAPSET_X', { res: 0, cap_inheritable: 1n, cap_permitted: 3n, cap_effective: 2n });
    expect(state.thread(100)).toMatchObject({ capInheritable: 1n, capPermitted: 3n, capEffective: 2n });
  });

  it('chdir (relative) and fchdir keep a trailing-slash cwd, shared with the main thread', () => {
    const { state, apply, execve, clone } = harness();
    execve(100, '/bin/sh');
    clone(100, 101, CLONE_THREAD);
    apply('PPME_SYSCALL_CHDIR_X', { res: 0, path: '../tmp/./x' }, 101);
    expect(state.thread(101)!.cwd).toBe('/home/tmp/x/');
    expect(state.thread(100)!.cwd).toBe('/home/tmp/x/');
    apply('PPME_SYSCALL_OPEN_X', { fd: 5, name: '/var/log', flags: PPM_O_RDONLY | PPM_O_DIRECTORY, mode: 0 });
    expect(state.fd(100, 5)?.type).toBe(ScapFdType.Directory);
    apply('PPME_SYSCALL_FCHDIR_X', { res: 0, fd: 5 });
    expect(state.thread(100)!.cwd).toBe('/var/log/');
  });
});

describe('fd lifecycle', () => {
  it('openat resolves dirfd-relative names and keeps the raw name', () => {
    const { state, apply, execve } = harness();
    execve(100, '/bin/sh');
    apply('PPME_SYSCALL_OPEN_X', { fd: 5, name: '/etc', flags: PPM_O_RDONLY | PPM_O_DIRECTORY, mode: 0 });
    apply('PPME_SYSCALL_OPENAT_2_X', { fd: 6, dirfd: 5, name: 'ssl/../passwd', flags: PPM_O_RDONLY, mode: 0, dev: 0x803, ino: 99n });
    expect(state.fd(100, 6)).toMatchObject({ fd: 6, name: '/etc/passwd', nameRaw: 'ssl/../passwd', dev: 0x803, ino: 99n });
    apply('PPME_SYSCALL_OPENAT_2_X', { fd: 7, dirfd: -100, name: 'f', flags: PPM_O_RDONLY, mode: 0 });
    expect(state.fd(100, 7)?.name).toBe('/home/u/f');
  });

  it('dup and fcntl(F_DUPFD) copy the fd; close evicts after the close event', () => {
    const { state, apply, execve } = harness();
    execve(100, '/bin/sh');
    apply('PPME_SYSCALL_OPEN_X', { fd: 3, name: '/a', flags: PPM_O_RDONLY, mode: 0 });
    apply('PPME_SYSCALL_DUP_1_X', { res: 10, oldfd: 3 });
    apply('PPME_SYSCALL_FCNTL_X', { res: 11, fd: 3, cmd: 1 });
    apply('PPME_SYSCALL_FCNTL_X', { res: 0, fd: 3, cmd: 3 });
    expect(state.fd(100, 10)).toMatchObject({ fd: 10, name: '/a' });
    expect(state.fd(100, 11)).toMatchObject({ fd: 11, name: '/a' });
    expect(state.fd(100, 0)).toBeUndefined();
    const before = state.stats().fds.size;
    apply('PPME_SYSCALL_CLOSE_X', { res: 0, fd: 10 });
    expect(state.fd(100, 10)).toBeDefined();
    apply('PPME_SYSCALL_READ_E', { fd: 3, size: 1 });
    expect(state.fd(100, 10)).toBeUndefined();
    expect(state.stats().fds.size).toBe(before - 1);
  });

  it('socket tuple orientation: connect makes the client end local, accept the server end', () => {
    const { state, apply, execve } = harness();
    execve(100, '/usr/bin/curl');
    apply('PPME_SOCKET_SOCKET_X', { fd: 4, domain: 2, type: 1, proto: 0 });
    apply('PPME_SOCKET_CONNECT_X', { res: 0, tuple: ipv4Tuple('10.0.0.1', 40000, '10.0.0.2', 80), fd: 4 });
    expect(state.fd(100, 4)).toMatchObject({
      type: ScapFdType.Ipv4Sock, family: SockFamily.Inet, l4proto: L4Proto.Tcp, role: SocketRole.Client, connected: true,
      cip: '10.0.0.1', cport: 40000, sip: '10.0.0.2', sport: 80, name: '10.0.0.1:40000->10.0.0.2:80',
    });
    execve(200, '/usr/sbin/nginx');
    apply('PPME_SOCKET_SOCKET_X', { fd: 3, domain: 2, type: 1, proto: 0 }, 200);
    apply('PPME_SOCKET_BIND_X', { res: 0, addr: Uint8Array.from([2, 0, 0, 0, 0, 80, 0]), fd: 3 }, 200);
    expect(state.fd(200, 3)).toMatchObject({ type: ScapFdType.Ipv4ServSock, role: SocketRole.Server, sip: '0.0.0.0', sport: 80 });
    apply('PPME_SOCKET_ACCEPT4_6_X', { fd: 5, tuple: ipv4Tuple('10.0.0.1', 40000, '10.0.0.2', 80), queuepct: 0, queuelen: 0, queuemax: 0, flags: 0 }, 200);
    expect(state.fd(200, 5)).toMatchObject({
      role: SocketRole.Server, cip: '10.0.0.1', cport: 40000, sip: '10.0.0.2', sport: 80, name: '10.0.0.1:40000->10.0.0.2:80',
    });
  });

  it('pipes, socketpairs and memfds get their types', () => {
    const { state, apply, execve } = harness();
    execve(100, '/bin/sh');
    apply('PPME_SYSCALL_PIPE2_X', { res: 0, fd1: 3, fd2: 4, ino: 555n, flags: 0 });
    expect(state.fd(100, 4)).toMatchObject({ type: ScapFdType.Fifo, ino: 555n });
    apply('PPME_SOCKET_SOCKETPAIR_X', { res: 0, fd1: 5, fd2: 6, source: 0xaan, peer: 0xbbn, domain: 1, type: 1, proto: 0 });
    expect(state.fd(100, 6)).toMatchObject({ type: ScapFdType.UnixSock, unixSource: 0xbbn, unixDest: 0xaan });
    apply('PPME_SYSCALL_MEMFD_CREATE_X', { fd: 7, name: 'payload', flags: 0 });
    expect(state.fd(100, 7)).toMatchObject({ type: ScapFdType.Memfd, name: 'payload' });
  });
});

describe('users, groups, metadata and bounds', () => {
  const md: CaptureMetadata = {
    threads: [entry(1, 1, 0, 'systemd'), entry(50, 50, 1, 'sshd', { cwd: '/root', cgroups: ['0::/system.slice/ssh.service'] }), entry(51, 50, 1, 'sshd')],
    fds: new Map([[50, [{ fd: 3, ino: 1n, type: ScapFdType.Ipv4ServSock, name: '', openFlags: 0, dev: 0, sip: Uint8Array.from([0, 0, 0, 0]), sport: 22, l4proto: 2 }]]]),
    users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/bash' }, { uid: 1000, gid: 1000, name: 'u', homedir: '/home/u', shell: '/bin/zsh' }],
    groups: [{ gid: 0, name: 'root' }, { gid: 1000, name: 'u' }],
    interfaces: [],
  };

  it('loads threads (sharing fd tables per process), fds, users and groups from metadata', () => {
    const state = new SystemState();
    state.loadMetadata(md);
    expect(state.users.get(1000)).toMatchObject({ name: 'u', homedir: '/home/u', shell: '/bin/zsh', gid: 1000 });
    expect(state.groups.get(0)?.name).toBe('root');
    expect(state.users.get(4242)).toBeUndefined();
    expect(state.thread(50)).toMatchObject({ cwd: '/root/', containerId: 'host', exepath: '/usr/bin/sshd' });
    expect(state.thread(51)!.fds).toBe(state.thread(50)!.fds);
    expect(state.fd(51, 3)).toMatchObject({ sip: '0.0.0.0', sport: 22, role: SocketRole.Server });
    expect(state.parent(state.thread(51)!)?.comm).toBe('systemd');
    expect(state.stats().fds).toMatchObject({ size: 1, tables: 2 });
  });

  it('useradded/groupadded events extend the tables', () => {
    const { state, apply } = harness();
    apply('PPME_USER_ADDED_E', { uid: 1001, gid: 1001, name: 'eve', home: '/home/eve', shell: '/bin/sh', container_id: '' });
    apply('PPME_GROUP_ADDED_E', { gid: 1001, name: 'eve', container_id: '' });
    expect(state.users.get(1001)).toMatchObject({ name: 'eve', homedir: '/home/eve' });
    expect(state.groups.get(1001)?.name).toBe('eve');
  });

  it('thread table is an LRU with an eviction count; fd counts return to baseline after churn', () => {
    const { state, apply, execve, clone } = harness({ maxThreads: 50, maxFdsPerProcess: 8 });
    execve(100, '/bin/bash');
    const base = state.stats();
    for (let i = 0; i < 200; i++) {
      const child = 1000 + i;
      clone(100, child, 0);
      apply('PPME_SYSCALL_OPEN_X', { fd: 3, name: '/tmp/x', flags: PPM_O_RDONLY, mode: 0 }, child);
      apply('PPME_SYSCALL_CLOSE_X', { res: 0, fd: 3 }, child);
      apply('PPME_PROCEXIT_1_E', { status: 0 }, child);
    }
    apply('PPME_SYSCALL_READ_E', { fd: 0, size: 1 }, 100);
    const after = state.stats();
    expect(after.threads.size).toBe(base.threads.size);
    expect(after.fds.size).toBe(base.fds.size);
    expect(after.fds.tables).toBe(base.fds.tables);
    for (let i = 0; i < 20; i++) apply('PPME_SYSCALL_OPEN_X', { fd: 10 + i, name: `/f${i}`, flags: PPM_O_RDONLY, mode: 0 });
    expect(state.thread(100)!.fds.size).toBe(8);
    expect(state.stats().fds.evictions).toBe(12);
    for (let t = 0; t < 60; t++) apply('PPME_SYSCALL_READ_E', { fd: 0, size: 1 }, 5000 + t);
    expect(state.stats().threads).toMatchObject({ size: 50, evictions: 11 });
    // The most recently used threads survive.
    expect(state.thread(5059)).toBeDefined();
  });
});

// Regression (found by the default reverse-shell rule): fd.* on a dup exit names the NEW fd with the copied
// info, as libsinsp's parse_dup_exit leaves it, so Falco's "Redirect STDOUT/STDIN to Network Connection" works.
describe('dup exit events refer to the new fd', () => {
  it('dup2(socket 4, 1): fd.num=1, fd.type=ipv4 on the exit event', () => {
    const w = fieldWorld();
    w.apply('PPME_SYSCALL_DUP2_X', { res: 1, oldfd: 4, newfd: 1 }, { tid: CAT_TID });
    expect(w.get('fd.num')).toBe('1');
    expect(w.get('fd.type')).toBe('ipv4');
    expect(w.state.fd(CAT_TID, 1)?.name).toBe(w.state.fd(CAT_TID, 4)?.name);
  });
  it('a failed dup refers to oldfd', () => {
    const w = fieldWorld();
    w.apply('PPME_SYSCALL_DUP_1_X', { res: -9, oldfd: 3 }, { tid: CAT_TID });
    expect(w.get('fd.num')).toBe('3');
    expect(w.get('fd.name')).toBe('/etc/hostname');
  });
});
