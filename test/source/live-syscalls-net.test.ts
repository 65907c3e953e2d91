// Live probe, one test per network syscall, over loopback only (127.0.0.1, ::1, unix sockets): tuples and
// addresses are checked against the ports the trigger read back with getsockname().
import { describe, expect, it } from 'vitest';
import {
  IP6_LOOPBACK, PPM_AF_INET, PPM_AF_INET6, PPM_AF_UNIX, parseSockaddr, parseTuple, ppm,
  single, skipWithoutProbe, useTriggerSuite,
} from '../helpers/live.js';

const skip = skipWithoutProbe('live syscall tests (net)');
const LO4 = '127.0.0.1';
const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0o2000000;
const EBADF = 9, ECONNREFUSED = 111;
const text = (v: unknown) => Buffer.from(v as Uint8Array).toString('latin1');

describe.skipIf(skip)('live probe: network syscalls', () => {
  const run = useTriggerSuite();

  it('socket: fd, domain as PPM_AF_*, raw type, proto, SOCK_CLOEXEC as PPM O_CLOEXEC (inet, inet6, unix)', async () => {
    const r = await run('tcp4');
    const e = single(r, 'socket', (x) => x.params.fd === r.num('socket', 'fd'));
    expect(e.tid).toBe(r.pid);
    expect(e.params.domain).toBe(PPM_AF_INET);
    expect(e.params.type).toBe(SOCK_STREAM | SOCK_CLOEXEC);
    expect(e.params.proto).toBe(0);
    expect(e.params.flags).toBe(ppm('file_flags', 'O_CLOEXEC'));
    const r6 = await run('tcp6');
    const e6 = single(r6, 'socket', (x) => x.params.fd === r6.num('socket6', 'fd'));
    expect(e6.params).toMatchObject({ domain: PPM_AF_INET6, type: SOCK_STREAM, flags: 0 });
    const ru = await run('udp');
    expect(ru.of('socket').map((x) => [x.params.domain, x.params.type])).toEqual([[PPM_AF_INET, SOCK_DGRAM], [PPM_AF_INET, SOCK_DGRAM]]);
    const rx = await run('unix');
    const ex = single(rx, 'socket', (x) => x.params.fd === rx.num('bind_unix', 'fd'));
    expect(ex.params.domain).toBe(PPM_AF_UNIX);
  });

  it('bind: res, fd and the address as given (127.0.0.1:0, [::1]:0, unix path)', async () => {
    const r = await run('tcp4');
    const e = single(r, 'bind');
    expect(e.params.res).toBe(0);
    expect(e.params.fd).toBe(r.num('bind', 'fd'));
    expect(parseSockaddr(e.raw.addr)).toEqual({ family: PPM_AF_INET, addr: LO4, port: 0 });
    const r6 = await run('tcp6');
    const e6 = single(r6, 'bind');
    expect(e6.params.fd).toBe(r6.num('bind6', 'fd'));
    expect(parseSockaddr(e6.raw.addr)).toEqual({ family: PPM_AF_INET6, addr: IP6_LOOPBACK, port: 0 });
    const rx = await run('unix');
    const ex = single(rx, 'bind');
    expect(ex.params.res).toBe(0);
    expect(parseSockaddr(ex.raw.addr)).toEqual({ family: PPM_AF_UNIX, path: rx.out('bind_unix').path });
  });

  it('listen: res, fd, backlog', async () => {
    const r = await run('tcp4');
    const e = single(r, 'listen', (x) => x.params.fd === r.num('listen', 'fd'));
    expect(e.params.res).toBe(0);
    expect(e.params.backlog).toBe(5);
  });

  it('connect: tuple client → server and addr over 127.0.0.1, ::1 and unix; refused → -ECONNREFUSED, empty tuple', async () => {
    const r = await run('tcp4');
    const c = r.out('connect');
    const e = single(r, 'connect', (x) => x.params.fd === Number(c.fd));
    expect(e.params.res).toBe(0);
    expect(parseTuple(e.raw.tuple)).toEqual({ family: PPM_AF_INET, src: LO4, sport: Number(c.sport), dst: LO4, dport: Number(c.dport) });
    expect(parseSockaddr(e.raw.addr)).toEqual({ family: PPM_AF_INET, addr: LO4, port: Number(c.dport) });
    const r6 = await run('tcp6');
    const c6 = r6.out('connect6');
    const e6 = single(r6, 'connect');
    expect(e6.params.res).toBe(0);
    expect(e6.params.fd).toBe(Number(c6.fd));
    expect(parseTuple(e6.raw.tuple)).toEqual({ family: PPM_AF_INET6, src: IP6_LOOPBACK, sport: Number(c6.sport), dst: IP6_LOOPBACK, dport: Number(c6.dport) });
    expect(parseSockaddr(e6.raw.addr)).toEqual({ family: PPM_AF_INET6, addr: IP6_LOOPBACK, port: Number(c6.dport) });
    const rx = await run('unix');
    const ex = single(rx, 'connect');
    expect(ex.params.res).toBe(0);
    expect(ex.params.fd).toBe(rx.num('connect_unix', 'fd'));
    const tx = parseTuple(ex.raw.tuple);
    expect(tx).toMatchObject({ family: PPM_AF_UNIX, path: rx.out('connect_unix').path });
    expect((tx as { src: bigint }).src).not.toBe(0n);
    expect(parseSockaddr(ex.raw.addr)).toEqual({ family: PPM_AF_UNIX, path: rx.out('connect_unix').path });
    const rr = await run('refused');
    const er = single(rr, 'connect');
    expect(er.params.res).toBe(-ECONNREFUSED);
    expect(rr.num('connect_refused', 'res')).toBe(-ECONNREFUSED);
    expect(er.raw.tuple.length).toBe(0);
    expect(parseSockaddr(er.raw.addr)).toEqual({ family: PPM_AF_INET, addr: LO4, port: rr.num('connect_refused', 'dport') });
  });

  it('accept: new fd, tuple client → server (inet and inet6), listen queue max; a bad fd gives -EBADF', async () => {
    const r = await run('tcp4');
    const e = single(r, 'accept', (x) => x.params.fd === r.num('accept', 'fd'));
    expect(parseTuple(e.raw.tuple)).toEqual({ family: PPM_AF_INET, src: LO4, sport: r.num('accept', 'cport'), dst: LO4, dport: r.num('listen', 'port') });
    expect(e.params.queuemax).toBe(5);
    const bad = single(r, 'accept', (x) => x.params.fd === -EBADF);
    expect(bad.raw.tuple.length).toBe(0);
    const r6 = await run('tcp6');
    const e6 = single(r6, 'accept');
    expect(e6.params.fd).toBe(r6.num('accept6', 'fd'));
    const c6 = r6.out('connect6');
    expect(parseTuple(e6.raw.tuple)).toEqual({ family: PPM_AF_INET6, src: IP6_LOOPBACK, sport: Number(c6.sport), dst: IP6_LOOPBACK, dport: Number(c6.dport) });
  });

  it('accept4: new fd, tuple, raw flags', async () => {
    const r = await run('tcp4');
    const e = single(r, 'accept4');
    expect(e.params.fd).toBe(r.num('accept4', 'fd'));
    expect(parseTuple(e.raw.tuple)).toEqual({ family: PPM_AF_INET, src: LO4, sport: r.num('accept4', 'cport'), dst: LO4, dport: r.num('listen', 'port') });
    expect(e.params.flags).toBe(r.num('accept4', 'flags'));
    expect(e.params.queuemax).toBe(5);
  });

  it('sendto: res, data, fd, size, tuple (TCP v4/v6 connected; UDP with a destination)', async () => {
    const r = await run('tcp4');
    const c = r.out('connect');
    const e = single(r, 'sendto');
    expect(e.params.res).toBe(13);
    expect(text(e.params.data)).toBe('hello sensord');
    expect(e.params.fd).toBe(r.num('sendto', 'fd'));
    expect(e.params.size).toBe(13);
    expect(parseTuple(e.raw.tuple)).toEqual({ family: PPM_AF_INET, src: LO4, sport: Number(c.sport), dst: LO4, dport: Number(c.dport) });
    const r6 = await run('tcp6');
    const c6 = r6.out('connect6');
    const e6 = single(r6, 'sendto');
    expect(text(e6.params.data)).toBe('v6 hello');
    expect(parseTuple(e6.raw.tuple)).toEqual({ family: PPM_AF_INET6, src: IP6_LOOPBACK, sport: Number(c6.sport), dst: IP6_LOOPBACK, dport: Number(c6.dport) });
    const ru = await run('udp');
    const u = ru.out('udp_sendto');
    const eu = single(ru, 'sendto');
    expect(eu.params.res).toBe(4);
    expect(text(eu.params.data)).toBe('udp!');
    expect(parseTuple(eu.raw.tuple)).toEqual({ family: PPM_AF_INET, src: LO4, sport: Number(u.sport), dst: LO4, dport: Number(u.dport) });
  });

  it('recvfrom: res, data, tuple peer → local, fd, buffer size (TCP v4/v6; UDP with a source)', async () => {
    const r = await run('tcp4');
    const c = r.out('connect');
    const e = single(r, 'recvfrom');
    expect(e.params.res).toBe(13);
    expect(text(e.params.data)).toBe('hello sensord');
    expect(e.params.fd).toBe(r.num('recvfrom', 'fd'));
    expect(e.params.size).toBe(64);
    expect(parseTuple(e.raw.tuple)).toEqual({ family: PPM_AF_INET, src: LO4, sport: Number(c.sport), dst: LO4, dport: Number(c.dport) });
    const r6 = await run('tcp6');
    const c6 = r6.out('connect6');
    const e6 = single(r6, 'recvfrom');
    expect(e6.params.res).toBe(8);
    expect(parseTuple(e6.raw.tuple)).toEqual({ family: PPM_AF_INET6, src: IP6_LOOPBACK, sport: Number(c6.sport), dst: IP6_LOOPBACK, dport: Number(c6.dport) });
    const ru = await run('udp');
    const u = ru.out('udp_recvfrom');
    const eu = single(ru, 'recvfrom');
    expect(eu.params.res).toBe(4);
    expect(eu.params.fd).toBe(Number(u.fd));
    expect(parseTuple(eu.raw.tuple)).toEqual({ family: PPM_AF_INET, src: LO4, sport: Number(u.sport), dst: LO4, dport: Number(u.dport) });
  });

  it('sendmsg: res, gathered data, fd, size, tuple', async () => {
    const r = await run('tcp4');
    const c = r.out('connect');
    const e = single(r, 'sendmsg');
    expect(e.params.res).toBe(15);
    expect(text(e.params.data)).toBe('msg-part1:part2');
    expect(e.params.fd).toBe(r.num('sendmsg', 'fd'));
    expect(e.params.size).toBe(15);
    expect(parseTuple(e.raw.tuple)).toEqual({ family: PPM_AF_INET, src: LO4, sport: Number(c.sport), dst: LO4, dport: Number(c.dport) });
  });

  it('recvmsg: res, data, tuple, fd', async () => {
    const r = await run('tcp4');
    const c = r.out('connect');
    const e = single(r, 'recvmsg');
    expect(e.params.res).toBe(15);
    expect(text(e.params.data)).toBe('msg-part1:part2');
    expect(e.params.fd).toBe(r.num('recvmsg', 'fd'));
    expect(parseTuple(e.raw.tuple)).toEqual({ family: PPM_AF_INET, src: LO4, sport: Number(c.sport), dst: LO4, dport: Number(c.dport) });
  });

  it('socketpair: res, both fds, distinct non-zero socket pointers, domain AF_UNIX, type, proto', async () => {
    const r = await run('unix');
    const e = single(r, 'socketpair');
    expect(e.params.res).toBe(0);
    expect(e.params.fd1).toBe(r.num('socketpair', 'fd1'));
    expect(e.params.fd2).toBe(r.num('socketpair', 'fd2'));
    expect(e.params.source).not.toBe(0n);
    expect(e.params.peer).not.toBe(0n);
    expect(e.params.source).not.toBe(e.params.peer);
    expect(e.params).toMatchObject({ domain: PPM_AF_UNIX, type: SOCK_STREAM, proto: 0 });
  });
});
