// Live probe, end to end: real kernel, real syscalls, the checks the Event layer issue names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { LiveCollector, openProbe, runTraced, skipWithoutProbe, type DecodedEvent } from '../helpers/live.js';
import type { LiveSource } from '../../sensor/src/source/live.js';

const skip = skipWithoutProbe('live probe tests');

describe.skipIf(skip)('live probe: basic events', () => {
  let source: LiveSource;
  let collector: LiveCollector;
  beforeAll(async () => {
    source = await openProbe();
    collector = new LiveCollector(source);
  });
  afterAll(async () => {
    await collector?.stop();
    await source?.close();
  });

  const exitOf = (evs: DecodedEvent[], name: string) => evs.filter((e) => e.name === name && e.dir === '<');

  it('cat /etc/hostname → execve exit (exe, args, ptid) and openat exit (name, fd ≥ 0, tid)', async () => {
    const { pid, code } = await runTraced('/bin/cat', ['/etc/hostname']);
    expect(code).toBe(0);
    const evs = await collector.waitFor(pid, (e) => exitOf(e, 'openat').some((o) => o.params.name === '/etc/hostname'));
    const execve = exitOf(evs, 'execve').find((e) => e.params.res === 0);
    expect(execve, 'execve exit').toBeDefined();
    expect(execve!.nparams).toBe(31);
    expect(execve!.params.exe).toBe('/bin/cat');
    expect(execve!.params.args).toEqual(new TextEncoder().encode('/etc/hostname\0'));
    expect(execve!.params.tid).toBe(pid);
    expect(execve!.params.pid).toBe(pid);
    expect(execve!.params.ptid).toBe(process.pid);
    expect(execve!.params.comm).toBe('cat');
    expect(execve!.params.cwd).toBe(process.cwd());
    const open = exitOf(evs, 'openat').find((o) => o.params.name === '/etc/hostname')!;
    expect(open.nparams).toBe(7);
    expect(open.tid).toBe(pid);
    expect(open.params.fd as number).toBeGreaterThanOrEqual(0);
    expect(open.params.dirfd).toBe(-100); // AT_FDCWD
  });

  it('a TCP connect to a loopback listener → connect exit with the right tuple', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const { pid } = await runTraced('/bin/bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}; exec 3>&-`]);
      // bash's getaddrinfo may first try nscd's unix socket (connect → -ENOENT): take the AF_INET one.
      const inet = (e: DecodedEvent) => e.raw.addr?.[0] === 2;
      const evs = await collector.waitFor(pid, (e) => exitOf(e, 'connect').some(inet));
      const connect = exitOf(evs, 'connect').filter(inet)[0];
      expect(connect, 'connect exit').toBeDefined();
      expect(connect.params.res).toBe(0);
      const tuple = connect.raw.tuple;
      expect(tuple.length, `tuple ${[...tuple]}`).toBe(13);
      expect(tuple[0]).toBe(2); // PPM_AF_INET
      const dv = new DataView(tuple.buffer, tuple.byteOffset);
      expect([...tuple.subarray(1, 5)]).toEqual([127, 0, 0, 1]);
      expect(dv.getUint16(5, true)).toBeGreaterThan(0);
      expect([...tuple.subarray(7, 11)]).toEqual([127, 0, 0, 1]);
      expect(dv.getUint16(11, true)).toBe(port);
      const addr = connect.raw.addr;
      expect(addr[0]).toBe(2);
      expect(new DataView(addr.buffer, addr.byteOffset).getUint16(5, true)).toBe(port);
    } finally {
      server.close();
    }
  });

  it('the sensor does not trace itself', async () => {
    await collector.waitFor(process.pid, () => false, 200);
    expect(collector.events.filter((e) => e.tid === process.pid)).toEqual([]);
  });
});
