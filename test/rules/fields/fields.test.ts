// Per-field values on a known world (helpers.ts), checked against what libsinsp gives for the same state:
// evt.*, proc.*/thread.*, fd.*, user.*/group.*, container.*/k8s.* (placeholders until enrichment).
import { describe, expect, it } from 'vitest';
import { ipv4Tuple } from '../../helpers/event-builder.js';
import { world, CAT } from './helpers.js';
import { FIELD_REGISTRY } from '../../../sensor/src/rules/fields/index.js';

const O_RDONLY = 1, O_WRONLY = 2, O_CREAT = 4, O_F_CREATED = 1 << 14;

describe('evt.* fields', () => {
  it('number, type, direction, cpu, times', () => {
    process.env.TZ = 'UTC';
    const w = world();
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 }, { ts: 1_700_000_000_123_456_789n });
    expect(w.get('evt.num')).toBe('1');
    expect(w.get('evt.type')).toBe('read');
    expect(w.get('evt.dir')).toBe('>');
    expect(w.get('evt.cpu')).toBe('1');
    expect(w.get('evt.rawtime')).toBe('1700000000123456789');
    expect(w.get('evt.rawtime.s')).toBe('1700000000');
    expect(w.get('evt.rawtime.ns')).toBe('123456789');
    expect(w.get('evt.time.iso8601')).toBe('2023-11-14T22:13:20.123456789+0000');
    expect(w.get('evt.category')).toBe('file'); // I/O events take the category of their fd
    const categories: string[] = [];
    for (const fd of [4, 7, 99]) { w.apply('PPME_SYSCALL_READ_E', { fd, size: 10 }); categories.push(w.get('evt.category')!); }
    // sinsp_evt::get_category: sockets net, unix sockets ipc, an fd not in the table unknown; EC_IPC spelt IPC.
    w.apply('PPME_SYSCALL_FUTEX_X', { res: 0, addr: 0n, op: 0, val: 0n });
    expect([...categories, w.get('evt.category')]).toEqual(['net', 'ipc', 'unknown', 'IPC']);
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 });
    expect(w.get('syscall.type')).toBe('read');
    expect(w.get('evt.res')).toBe('<NA>');
    expect(w.get('evt.failed')).toBe('false');
    expect(w.get('evt.latency')).toBe('0');
    expect(w.get('evt.is_io_read')).toBe('true');
    expect(w.get('evt.hostname')).toBe('node-1');
  });

  it('result, args by name and index, buffer', () => {
    const w = world();
    w.apply('PPME_SYSCALL_READ_X', { res: 5, data: new TextEncoder().encode('hi\nyo'), fd: 3, size: 10 });
    expect(w.get('evt.res')).toBe('SUCCESS');
    expect(w.get('evt.rawres')).toBe('5');
    expect(w.get('evt.buffer')).toBe('hi.yo');
    expect(w.get('evt.buflen')).toBe('5');
    expect(w.get('evt.arg.fd')).toBe('<f>/etc/hostname');
    expect(w.get('evt.rawarg.fd')).toBe('3');
    expect(w.get('evt.arg[0]')).toBe('5');
    expect(w.get('evt.arg.nope')).toBe('<NA>');
    w.apply('PPME_SYSCALL_READ_X', { res: -2, data: null, fd: 3, size: 10 });
    expect(w.get('evt.res')).toBe('ENOENT');
    expect(w.get('evt.failed')).toBe('true');
    expect(w.get('evt.count.error')).toBe('1');
  });

  it('evt.is_open_read/write/exec/create from the open flags and mode', () => {
    const w = world();
    w.apply('PPME_SYSCALL_OPENAT_2_X', { fd: 9, dirfd: -100, name: 'notes', flags: O_RDONLY, mode: 0, dev: 0, ino: 0 });
    expect([w.get('evt.is_open_read'), w.get('evt.is_open_write'), w.get('evt.is_open_exec')]).toEqual(['true', 'false', 'false']);
    w.apply('PPME_SYSCALL_OPENAT_2_X', { fd: 10, dirfd: -100, name: 'run.sh', flags: O_WRONLY | O_CREAT | O_F_CREATED, mode: 0o755, dev: 0, ino: 0 });
    expect([w.get('evt.is_open_read'), w.get('evt.is_open_write'), w.get('evt.is_open_exec'), w.get('evt.is_open_create')]).toEqual(['false', 'true', 'true', 'true']);
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 1 });
    expect(w.get('evt.is_open_read')).toBe('false');
  });

  it('evt.deltatime counts from the previous event printed; a filter reading an event before it is printed sees the same', () => {
    const w = world();
    const t0 = 1_700_000_000_000_000_000n;
    const delta = FIELD_REGISTRY.bind('evt.deltatime');
    const ctx = w.formatter.fields;
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 }, { ts: t0 });
    expect(w.get('evt.deltatime')).toBe('0');
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 }, { ts: t0 + 500n });
    ctx.begin(w.view); // as a filter does, before the line is printed
    expect(ctx.value(delta)).toBe(500n);
    expect(w.get('evt.deltatime')).toBe('500');
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 }, { ts: t0 + 800n }); // read, filtered out: not printed
    ctx.begin(w.view);
    expect(ctx.value(delta)).toBe(300n); // from the last printed (t0 + 500), not the one before it
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 }, { ts: t0 + 1_000n });
    expect(w.get('evt.deltatime')).toBe('500');
  });
});

describe('proc.* and thread.* fields', () => {
  it('the process, its parent and ancestors (libsinsp walks from the main thread via ptid)', () => {
    const w = world();
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 });
    expect(w.get('proc.name')).toBe('cat');
    expect(w.get('proc.exe')).toBe('cat');
    expect(w.get('proc.exepath')).toBe('/usr/bin/cat');
    expect(w.get('proc.args')).toBe('/etc/hostname');
    expect(w.get('proc.cmdline')).toBe('cat /etc/hostname');
    expect(w.get('proc.pid')).toBe(String(CAT));
    expect(w.get('proc.ppid')).toBe('300');
    expect(w.get('proc.vpid')).toBe(String(CAT));
    expect(w.get('proc.pname')).toBe('sh');
    expect(w.get('proc.pcmdline')).toBe('sh -c cat /etc/hostname');
    expect(w.get('proc.pexe')).toBe('sh');
    expect(w.get('proc.pexepath')).toBe('/usr/bin/dash');
    expect(w.get('proc.aname[0]')).toBe('cat');
    expect(w.get('proc.aname')).toBe('cat');
    expect(w.get('proc.aname[1]')).toBe('sh');
    expect(w.get('proc.aname[2]')).toBe('bash');
    expect(w.get('proc.aname[4]')).toBe('systemd');
    expect(w.get('proc.aname[5]')).toBe('<NA>');
    expect(w.get('proc.apid[2]')).toBe('200');
    expect(w.get('proc.aexe[2]')).toBe('-bash');
    expect(w.get('proc.aexepath[3]')).toBe('/usr/sbin/sshd');
    expect(w.get('proc.acmdline[3]')).toBe('sshd -D');
    expect(w.get('proc.cwd')).toBe('/home/alice/');
    expect(w.get('proc.loginshellid')).toBe('200');
  });

  it('session, process group, tty, env, exe inode facts, capabilities', () => {
    const w = world();
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 });
    expect(w.get('proc.sid')).toBe('100');
    expect(w.get('proc.sname')).toBe('sshd');
    expect(w.get('proc.vpgid')).toBe('300');
    expect(w.get('proc.vpgid.name')).toBe('sh');
    expect(w.get('proc.is_vpgid_leader')).toBe('false');
    expect(w.get('proc.tty')).toBe('34816');
    expect(w.get('proc.env')).toBe('HOME=/home/alice LANG=C');
    expect(w.get('proc.env[LANG]')).toBe('C');
    expect(w.get('proc.exe_ino')).toBe('777');
    expect(w.get('proc.exe_ino.ctime')).toBe('1600000000000000000');
    expect(w.get('proc.exe_ino.mtime')).toBe('1500000000000000000');
    expect(w.get('proc.is_exe_upper_layer')).toBe('true');
    expect(w.get('proc.is_exe_from_memfd')).toBe('false');
    expect(w.get('thread.cap_effective')).toBe('CAP_CHOWN CAP_SYS_ADMIN');
    expect(w.get('thread.cap_permitted')).toBe('CAP_NET_ADMIN');
    expect(w.get('thread.cap_inheritable')).toBe('');
    expect(w.get('thread.tid')).toBe(String(CAT));
    expect(w.get('thread.ismain')).toBe('true');
    expect(w.get('proc.fdopencount')).toBe('5');
  });

  it('proc.duration and ctime_duration_proc_start need the clone time (none for /proc threads)', () => {
    const w = world();
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 });
    const cloneTs = w.state.thread(CAT)!.cloneTs;
    if (cloneTs === 0n) {
      expect(w.get('proc.duration')).toBe('<NA>');
      expect(w.get('proc.exe_ino.ctime_duration_proc_start')).toBe('<NA>');
    }
    w.state.thread(CAT)!.cloneTs = 1_699_999_999_000_000_000n;
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 });
    expect(w.get('proc.duration')).toBe('1000000000');
    expect(w.get('proc.exe_ino.ctime_duration_proc_start')).toBe(String(1_699_999_999_000_000_000n - 1_600_000_000_000_000_000n));
  });

  it('an unknown thread has no proc.* values', () => {
    const w = world();
    w.apply('PPME_SYSCALL_KILL_E', { pid: 1, sig: 9 }, { tid: 0 });
    expect(w.get('proc.name')).toBe('<NA>');
    expect(w.get('proc.aname[1]')).toBe('<NA>');
    expect(w.get('user.name')).toBe('<NA>');
  });
});

describe('fd.* fields', () => {
  it('files and directories', () => {
    const w = world();
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 });
    expect(w.get('fd.num')).toBe('3');
    expect(w.get('fd.name')).toBe('/etc/hostname');
    expect(w.get('fd.type')).toBe('file');
    expect(w.get('fd.typechar')).toBe('f');
    expect(w.get('fd.directory')).toBe('/etc');
    expect(w.get('fd.filename')).toBe('hostname');
    expect(w.get('fd.ino')).toBe('1234');
    expect(w.get('fd.dev.major')).toBe('8');
    expect(w.get('fd.dev.minor')).toBe('1');
    expect(w.get('fd.l4proto')).toBe('<NA>');
    expect(w.get('fd.sockfamily')).toBe('<NA>');
    expect(w.get('fd.uid')).toBe(`${CAT}3`);
    expect(w.get('fd.cip')).toBe('<NA>');
    w.apply('PPME_SYSCALL_READ_E', { fd: 5, size: 10 });
    expect([w.get('fd.type'), w.get('fd.typechar'), w.get('fd.directory'), w.get('fd.filename')]).toEqual(['directory', 'd', '/var/log', '<NA>']);
  });

  it('an opened file: name resolved against cwd, nameraw as given', () => {
    const w = world();
    w.apply('PPME_SYSCALL_OPENAT_2_X', { fd: 9, dirfd: -100, name: 'docs//a.txt', flags: O_RDONLY, mode: 0, dev: 0, ino: 0 });
    expect(w.get('fd.name')).toBe('/home/alice/docs/a.txt');
    expect(w.get('fd.nameraw')).toBe('docs/a.txt');
    expect(w.get('fd.num')).toBe('9');
    // A failed open names what it tried.
    w.apply('PPME_SYSCALL_OPENAT_2_X', { fd: -2, dirfd: -100, name: 'missing', flags: O_RDONLY, mode: 0, dev: 0, ino: 0 });
    expect(w.get('fd.name')).toBe('/home/alice/missing');
    expect(w.get('fd.directory')).toBe('/home/alice');
    // Enter events that create an fd: no fd yet; libsinsp guesses the type char from the event.
    w.apply('PPME_SOCKET_SOCKET_E', { domain: 2, type: 1, proto: 0 });
    expect([w.get('fd.num'), w.get('fd.typechar'), w.get('fd.name')]).toEqual(['-1', '4', '<NA>']);
  });

  it('a client socket from the capture: client/server and local/remote ends', () => {
    const w = world();
    w.apply('PPME_SYSCALL_READ_E', { fd: 4, size: 10 });
    expect(w.get('fd.name')).toBe('10.0.0.5:40000->93.184.216.34:443');
    expect([w.get('fd.cip'), w.get('fd.cport'), w.get('fd.sip'), w.get('fd.sport')]).toEqual(['10.0.0.5', '40000', '93.184.216.34', '443']);
    expect([w.get('fd.lip'), w.get('fd.lport'), w.get('fd.rip'), w.get('fd.rport')]).toEqual(['10.0.0.5', '40000', '93.184.216.34', '443']);
    expect(w.get('fd.l4proto')).toBe('tcp');
    expect(w.get('fd.sockfamily')).toBe('ip');
    expect(w.get('fd.type')).toBe('ipv4');
    expect(w.get('fd.typechar')).toBe('4');
    expect(w.get('fd.is_server')).toBe('false');
    expect(w.get('fd.ip')).toBe('(10.0.0.5,93.184.216.34)');
    expect(w.get('fd.port')).toBe('(40000,443)');
    expect(w.get('fd.snet')).toBe('93.184.216.34');
    expect(w.get('fd.sip.name')).toBe('<NA>');
  });

  it('a listening socket and a unix socket', () => {
    const w = world();
    w.apply('PPME_SYSCALL_READ_E', { fd: 6, size: 10 });
    expect([w.get('fd.sip'), w.get('fd.sport'), w.get('fd.cip'), w.get('fd.lip'), w.get('fd.is_server')]).toEqual(['0.0.0.0', '8080', '<NA>', '<NA>', 'true']);
    w.apply('PPME_SYSCALL_READ_E', { fd: 7, size: 10 });
    expect([w.get('fd.sockfamily'), w.get('fd.typechar'), w.get('fd.name'), w.get('fd.sip')]).toEqual(['unix', 'u', '/run/x.sock', '<NA>']);
  });

  it('connect: the tuple names the fd, fd.connected and fd.name_changed', () => {
    const w = world();
    w.apply('PPME_SOCKET_SOCKET_X', { fd: 11, domain: 2, type: 1, proto: 0 }, { nparams: 4 });
    w.apply('PPME_SOCKET_CONNECT_E', { fd: 11, addr: null });
    expect(w.get('fd.connected')).toBe('false');
    w.apply('PPME_SOCKET_CONNECT_X', { res: 0, tuple: ipv4Tuple('127.0.0.1', 47192, '127.0.0.1', 80), fd: 11 });
    expect(w.get('fd.name')).toBe('127.0.0.1:47192->127.0.0.1:80');
    expect([w.get('fd.cip'), w.get('fd.cport'), w.get('fd.sip'), w.get('fd.sport')]).toEqual(['127.0.0.1', '47192', '127.0.0.1', '80']);
    expect(w.get('fd.connected')).toBe('true');
    expect(w.get('fd.name_changed')).toBe('true');
    expect(w.get('fd.l4proto')).toBe('tcp');
    // Both ends on loopback: the server address is local, so libsinsp says is_server.
    expect(w.get('fd.is_server')).toBe('true');
  });
});

describe('user.*, group.*, container.*, k8s.* fields', () => {
  it('user and group from the tables; loginuid', () => {
    const w = world();
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 });
    expect([w.get('user.uid'), w.get('user.name'), w.get('user.homedir'), w.get('user.shell')]).toEqual(['1000', 'alice', '/home/alice', '/bin/zsh']);
    expect([w.get('user.loginuid'), w.get('user.loginname')]).toEqual(['1000', 'alice']);
    expect([w.get('group.gid'), w.get('group.name')]).toEqual(['1000', 'staff']);
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 }, { tid: 1 });
    expect([w.get('user.uid'), w.get('user.name'), w.get('user.loginuid'), w.get('user.loginname')]).toEqual(['0', 'root', '-1', '<NA>']);
  });

  it("ids missing from the tables read as libsinsp's stand-in entry: a value ('<NA>', or root for id 0), not a missing one", () => {
    const w = world();
    const th = w.state.thread(CAT)!;
    th.uid = 4242;
    th.gid = 4242;
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 });
    // Without a leading `*` a missing value drops the line: these render, so they are values.
    const strict = (f: string) => w.formatter.compile(`%${f}`).render(w.view);
    expect(['user.name', 'user.homedir', 'user.shell', 'group.name', 'user.loginname'].map(strict)).toEqual(['<NA>', '<NA>', '<NA>', '<NA>', 'alice']);
    const ctx = w.formatter.fields;
    expect(ctx.value(FIELD_REGISTRY.bind('user.name'))).toBe('<NA>');
    // uid/gid 0 without an entry: root, /root (sinsp_threadinfo::get_user/get_group).
    th.uid = 0;
    th.gid = 0;
    w.state.users.delete(0);
    w.state.groups.delete(0);
    ctx.users.delete(0);
    ctx.groups.delete(0);
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 });
    expect(['user.name', 'user.homedir', 'user.shell', 'group.name'].map(strict)).toEqual(['root', '/root', '<NA>', 'root']);
  });

  it('container id from cgroups, host for host processes; metadata fields wait for enrichment', () => {
    const w = world();
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 }, { tid: 200 });
    expect([w.get('container.id'), w.get('container.name'), w.get('container.type'), w.get('container.image')]).toEqual(['host', 'host', 'host', '<NA>']);
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 10 });
    expect(w.get('container.id')).toBe('0123456789ab');
    expect(w.get('container.full_id')).toBe('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef');
    for (const f of ['container.name', 'container.image.repository', 'container.image.tag', 'container.privileged', 'container.start_ts', 'container.mount.dest[/etc]', 'k8s.ns.name', 'k8s.pod.name', 'k8s.pod.label[app]']) {
      expect(w.get(f), f).toBe('<NA>');
    }
  });
});
