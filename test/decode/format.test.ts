// Parameter rendering, one case per param type, on records built from the event table (HOUSE-STYLE 15).
import { describe, expect, it } from 'vitest';
import { buildEvent, batchOf, ipv4Tuple, type ParamValue } from '../helpers/event-builder.js';
import { EventView } from '../../sensor/src/decode/event-view.js';
import { Formatter, FormatError, formatG } from '../../sensor/src/decode/format.js';
import { renderFlags, FLAG_TABLES } from '../../sensor/src/decode/flag-tables.js';
import { ipv6ToString } from '../../sensor/src/decode/net.js';
import { SystemState } from '../../sensor/src/state/index.js';
import * as schema from '../../sensor/src/schema/index.js';
import { ScapFdType, type CaptureMetadata, type ThreadEntry } from '../../sensor/src/schema/capture-types.js';

const TID = 1000;

function thread(tid: number, comm: string, cwd = '/home/user'): ThreadEntry {
  return {
    tid, pid: tid, ptid: 1, sid: 0, vpgid: 0, pgid: 0, comm, exe: comm, exepath: '/usr/bin/' + comm, args: [], cwd,
    fdlimit: 1024n, flags: 0, uid: 0, gid: 0, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfMajor: 0n, pfMinor: 0n, env: [],
    vtid: tid, vpid: tid, cgroups: [], root: '/', pidnsInitStartTs: 0n, tty: 0, loginuid: 0, exeWritable: false,
    capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false, exeLowerLayer: false,
    exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n,
  };
}

function setup() {
  const md: CaptureMetadata = {
    threads: [thread(TID, 'bash'), thread(42, 'nginx')],
    fds: new Map([[TID, [
      { fd: 3, ino: 0n, type: ScapFdType.File, name: '/etc/passwd', openFlags: 0, dev: 0 },
      { fd: 4, ino: 0n, type: ScapFdType.Ipv4Sock, name: '', openFlags: 0, dev: 0, sip: Uint8Array.of(10, 0, 0, 1), dip: Uint8Array.of(10, 0, 0, 2), sport: 40000, dport: 443, l4proto: 2 },
      { fd: 5, ino: 0n, type: ScapFdType.Directory, name: '/var/log', openFlags: 0, dev: 0 },
    ]]]),
    users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/sh' }],
    groups: [{ gid: 0, name: 'root' }],
    interfaces: [],
  };
  const state = new SystemState();
  state.loadMetadata(md);
  const f = new Formatter(state);
  f.params.loadMetadata(md);
  const args = f.compile('%evt.args');
  const view = new EventView();
  /** Builds one record, applies it to state (as the pipeline does), renders evt.args. */
  const render = (code: string, params: Record<string, ParamValue>, nparams?: number, tid = TID) => {
    const b = batchOf([buildEvent(code, params, { tid }, nparams)]);
    view.set(b.bytes, b.view, b.offsets[0], 0, 1);
    state.process(view);
    return args.render(view);
  };
  return { state, f, view, render };
}

describe('evt.args rendering (sysdig 0.29.3 rules)', () => {
  it('FD: number, type char and name from the fd table; errno names for negatives', () => {
    const { render } = setup();
    expect(render('PPME_SYSCALL_READ_E', { fd: 3, size: 10 })).toBe('fd=3(<f>/etc/passwd) size=10 ');
    expect(render('PPME_SYSCALL_READ_E', { fd: 5, size: 1 })).toBe('fd=5(<d>/var/log) size=1 ');
    expect(render('PPME_SYSCALL_READ_E', { fd: 9, size: 1 })).toBe('fd=9 size=1 ');
    expect(render('PPME_SYSCALL_READ_E', { fd: -9, size: 1 })).toBe('fd=-9(EBADF) size=1 ');
    // /proc sockets whose local port is not a listening port are clients: the l4 letter shows.
    expect(render('PPME_SYSCALL_READ_E', { fd: 4, size: 1 })).toBe('fd=4(<4t>10.0.0.1:40000->10.0.0.2:443) size=1 ');
  });

  it('FD of an unknown thread is not resolved at all', () => {
    const { render } = setup();
    expect(render('PPME_SYSCALL_READ_E', { fd: -2, size: 1 }, undefined, 0)).toBe('fd=-2 size=1 ');
  });

  it('ERRNO, FSPATH, FLAGS32 and OCT mode (open exit creates the fd)', () => {
    const { render, state } = setup();
    expect(render('PPME_SYSCALL_OPEN_X', { fd: 7, name: '/tmp/x', flags: 4097, mode: 0o644, dev: 0, ino: 0 }, 4))
      .toBe('fd=7(<f>/tmp/x) name=/tmp/x flags=4097(O_RDONLY|O_CLOEXEC) mode=0644 ');
    expect(state.fd(TID, 7)?.name).toBe('/tmp/x');
    expect(render('PPME_SYSCALL_OPEN_X', { fd: -2, name: 'rel/x', flags: 1, mode: 0 }, 4))
      .toBe('fd=-2(ENOENT) name=rel/x(/home/user/rel/x) flags=1(O_RDONLY) mode=0 ');
    expect(render('PPME_SYSCALL_OPEN_X', { fd: 8, name: '/d', flags: (1 << 10) | 1, mode: 0 }, 4))
      .toBe('fd=8(<d>/d) name=/d flags=1025(O_DIRECTORY|O_RDONLY) mode=0 ');
  });

  it('FSRELPATH resolves against dirfd', () => {
    const { render } = setup();
    expect(render('PPME_SYSCALL_OPENAT_2_X', { fd: 9, dirfd: 5, name: 'syslog', flags: 2, mode: 0 }, 5))
      .toBe('fd=9(<f>/var/log/syslog) dirfd=5(<d>/var/log) name=syslog(/var/log/syslog) flags=2(O_WRONLY) mode=0 ');
    expect(render('PPME_SYSCALL_OPENAT_2_X', { fd: 10, dirfd: -100, name: 'a', flags: 0, mode: 0 }, 5))
      .toBe('fd=10(<f>/home/user/a) dirfd=-100(AT_FDCWD) name=a(/home/user/a) flags=0(O_NONE) mode=0 ');
  });

  it('PID: resolved to the comm of a known thread', () => {
    const { render } = setup();
    expect(render('PPME_SYSCALL_KILL_E', { pid: 42, sig: 9 })).toBe('pid=42(nginx) sig=9(SIGKILL) ');
    expect(render('PPME_SYSCALL_KILL_E', { pid: 7, sig: 15 })).toBe('pid=7 sig=15(SIGTERM) ');
  });

  it('SOCKTUPLE / SOCKADDR: IPv4, IPv6, unix; empty prints NULL', () => {
    const { render } = setup();
    expect(render('PPME_SOCKET_CONNECT_X', { res: 0, tuple: ipv4Tuple('127.0.0.1', 48862, '127.0.0.1', 8080) }, 2))
      .toBe('res=0 tuple=127.0.0.1:48862->127.0.0.1:8080 ');
    const v6 = new Uint8Array(37);
    v6[0] = 10; v6[16] = 1; v6[17] = 0x39; v6[18] = 0x30; v6[34] = 1; v6[35] = 0x50; v6[36] = 0;
    expect(render('PPME_SOCKET_CONNECT_X', { res: -111, tuple: v6 }, 2)).toBe('res=-111(ECONNREFUSED) tuple=::1:12345->::1:80 ');
    const unix = new Uint8Array(1 + 16 + 6);
    unix[0] = 1; unix[9] = 0xab; unix.set(new TextEncoder().encode('/sock'), 17);
    expect(render('PPME_SOCKET_CONNECT_X', { res: 0, tuple: unix }, 2)).toBe('res=0 tuple=0->ab /sock ');
    expect(render('PPME_SOCKET_CONNECT_X', { res: 0, tuple: null }, 2)).toBe('res=0 tuple=NULL ');
    expect(render('PPME_SOCKET_BIND_X', { res: 0, addr: Uint8Array.of(2, 0, 0, 0, 0, 0x50, 0) }, 2)).toBe('res=0 addr=0.0.0.0:80 ');
  });

  it('BYTEBUF: non-printables as dots, cut at 80 characters ending in ...', () => {
    const { render } = setup();
    expect(render('PPME_SYSCALL_WRITE_X', { res: 3, data: Uint8Array.of(0x41, 0x0a, 0x42) }, 2)).toBe('res=3 data=A.B ');
    const long = new TextEncoder().encode('x'.repeat(100));
    expect(render('PPME_SYSCALL_WRITE_X', { res: 100, data: long }, 2)).toBe(`res=100 data=${'x'.repeat(77)}... `);
    expect(render('PPME_SYSCALL_WRITE_X', { res: 0, data: new Uint8Array(0) }, 2)).toBe('res=0 data= ');
  });

  it('UINT64 HEX, FLAGS with several bits, ENUMFLAGS', () => {
    const { render } = setup();
    expect(render('PPME_SYSCALL_MMAP_E', { addr: 0x7fad48782000n, length: 4096, prot: 3, flags: 0x22, fd: -1, offset: 0 }))
      .toBe('addr=7FAD48782000 length=4096 prot=3(PROT_READ|PROT_WRITE) flags=34(MAP_PRIVATE|MAP_RENAME) fd=-1(EPERM) offset=0 ');
    expect(render('PPME_SOCKET_SOCKET_X', { fd: 11, domain: 2, type: 1, proto: 0, flags: 0 }))
      .toBe('fd=11(<4>) domain=2(AF_INET) type=1 proto=0 flags=0 ');
  });

  it('RELTIME, UID, FDLIST, SIGTYPE', () => {
    const { render } = setup();
    expect(render('PPME_SYSCALL_NANOSLEEP_E', { interval: 1_500_000_000n })).toBe('interval=1500000000(1.5s) ');
    expect(render('PPME_SYSCALL_NANOSLEEP_E', { interval: 0xffffffffffffffffn })).toBe('interval=none ');
    expect(render('PPME_SYSCALL_SETUID_X', { res: 0, uid: 0 })).toBe('res=0 uid=0(root) ');
    expect(render('PPME_SYSCALL_SETUID_X', { res: 0, uid: 1234 })).toBe('res=0 uid=1234(<NA>) ');
    expect(render('PPME_SYSCALL_SETUID_X', { res: 0, uid: 0xffffffff })).toBe('res=0 uid=-1(<NONE>) ');
    const fds = new Uint8Array(2 + 20);
    const dv = new DataView(fds.buffer);
    dv.setUint16(0, 2, true); dv.setBigInt64(2, 3n, true); dv.setUint16(10, 1, true); dv.setBigInt64(12, 99n, true); dv.setUint16(20, 4, true);
    expect(render('PPME_SYSCALL_POLL_E', { fds, timeout: 100 })).toBe('fds=3:f1 99:?4 timeout=100 ');
  });

  it('generic syscall events: evt.type is the native syscall name, evt.args is empty', () => {
    const { f, view } = setup();
    const b = batchOf([buildEvent('PPME_GENERIC_X', { ID: 139, nativeID: 28 })]);
    view.set(b.bytes, b.view, b.offsets[0], 0, 1);
    expect(f.compile('%evt.type|%evt.args|').render(view)).toBe('madvise||');
    const u = batchOf([buildEvent('PPME_GENERIC_X', { ID: 0, nativeID: 999 })]);
    view.set(u.bytes, u.view, u.offsets[0], 0, 1);
    expect(f.compile('%evt.type').render(view)).toBe('<unknown>');
  });

  it('execve prints params under sysdig 0.29.3 names (pgid, not vpgid; loginuid as a plain int)', () => {
    const { render } = setup();
    const line = render('PPME_SYSCALL_EXECVE_19_X', { res: 0, exe: 'ls', args: ['-l'], tid: TID, pid: TID, ptid: 1, cwd: '/', vpgid: 7, loginuid: 0xffffffff }, 19);
    expect(line).toContain(' pgid=7 loginuid=-1 ');
    expect(line).toContain('args=-l. ');
  });
});

describe('-p formats', () => {
  it('compiles once into literals and fields; evt.* fields', () => {
    const { f, view } = setup();
    const b = batchOf([buildEvent('PPME_SYSCALL_CLOSE_X', { res: -9, fd: 3 }, { ts: 1_700_000_000_123_456_789n })]);
    view.set(b.bytes, b.view, b.offsets[0], 2, 17);
    const fmt = f.compile('%evt.num %evt.cpu %evt.dir %evt.type %evt.rawtime %evt.res %evt.rawres %evt.failed %evt.arg.fd %evt.rawarg.fd %evt.arg[0] %proc.name %thread.tid %fd.num %fd.name %evt.is_io %evt.count 100%%');
    expect(fmt.render(view)).toBe('17 2 < close 1700000000123456789 EBADF -9 true <f>/etc/passwd 3 EBADF bash 1000 3 /etc/passwd false 1 100%');
    expect(f.compile('%evt.time').render(view)).toMatch(/^\d\d:\d\d:\d\d\.123456789$/);
  });

  it('a missing field drops the line unless the format starts with *', () => {
    const { f, view } = setup();
    const b = batchOf([buildEvent('PPME_SYSCALL_KILL_E', { pid: 1, sig: 1 })]);
    view.set(b.bytes, b.view, b.offsets[0], 0, 1);
    expect(f.compile('%evt.num %fd.name').render(view)).toBeNull();
    expect(f.compile('*%evt.num %fd.name').render(view)).toBe('1 <NA>');
  });

  it('unknown fields are a FormatError with a position', () => {
    const { f } = setup();
    expect(() => f.compile('%evt.num %nope.field')).toThrow(FormatError);
    try { f.compile('ab %nope'); } catch (e) { expect((e as FormatError).position).toBe(4); }
  });
});

describe('helpers', () => {
  it('flag walk follows libsinsp: contained flags in table order, then the exact match', () => {
    expect(renderFlags(4097, FLAG_TABLES.file_flags)).toBe('O_RDONLY|O_CLOEXEC');
    expect(renderFlags(0, FLAG_TABLES.file_flags)).toBe('O_NONE');
    expect(renderFlags(3, FLAG_TABLES.file_flags)).toBe('O_RDWR');
    expect(renderFlags(10, FLAG_TABLES.socket_families)).toBe('AF_INET6');
    expect(renderFlags(129, FLAG_TABLES.futex_operations)).toBe('FUTEX_PRIVATE_FLAG|FUTEX_WAKE');
    expect(renderFlags(1 << 14, FLAG_TABLES.file_flags)).toBe(''); // O_F_CREATED is newer than sysdig 0.29.3
  });
  it('%lg and inet_ntop', () => {
    expect(formatG(1)).toBe('1');
    expect(formatG(0.000123)).toBe('0.000123');
    expect(formatG(1234567)).toBe('1.23457e+06');
    expect(formatG(0.00001)).toBe('1e-05');
    const a = new Uint8Array(16); a[15] = 1;
    expect(ipv6ToString(a)).toBe('::1');
    const m = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4);
    expect(ipv6ToString(m)).toBe('::ffff:1.2.3.4');
    const g = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0);
    expect(ipv6ToString(g)).toBe('2001:db8::4:0');
  });
});

describe('ParamRenderer.text (what evt.arg gives)', () => {
  it("equals param()'s resolved-else-value for every param of every event, flags params over many values", () => {
    const { EVENTS } = schema;
    const r = new Formatter(new SystemState()).params;
    const values = [0, 1, 2, 3, 4, 7, 8, 10, 16, 17, 64, 255, 0x40, 0x80, 0x200, 0x1000, 0x8000, 0xffff, 0x10000, 0x80000, 0x7fffffff, 0xffffffff];
    let flagsChecked = 0;
    for (const e of EVENTS) {
      if (e.unused) continue;
      e.params.forEach((p, i) => {
        const isFlags = /^(ENUM)?FLAGS(8|16|32)$/.test(p.type);
        for (const v of isFlags ? values : [null]) {
          const width = p.type.endsWith('8') ? 0xff : p.type.endsWith('16') ? 0xffff : 0xffffffff;
          const value: ParamValue = v === null ? null : v & width;
          let bytes: Uint8Array;
          try { bytes = buildEvent(e.code, { [p.name]: value }, { tid: TID }); } catch { return; }
          const ev = new EventView().set(bytes, new DataView(bytes.buffer), 0, 0, 1);
          r.param(ev, i);
          const expected = r.resolved !== '' ? r.resolved : r.value;
          expect(r.text(ev, i), `${e.name} ${p.name}=${String(value)}`).toBe(expected);
          if (isFlags) flagsChecked++;
        }
      });
    }
    expect(flagsChecked).toBeGreaterThan(1000);
  });
});
