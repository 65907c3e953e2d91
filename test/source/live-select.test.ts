// Live probe, syscall selection: an unselected syscall emits nothing, and select() changes the selection
// while the probe stays attached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveCollector, TriggerRunner, openProbe, skipWithoutProbe } from '../helpers/live.js';
import type { LiveSource } from '../../sensor/src/source/live.js';

const skip = skipWithoutProbe('live syscall selection tests');

describe.skipIf(skip)('live probe: syscall selection', () => {
  let source: LiveSource;
  let collector: LiveCollector;
  beforeAll(async () => {
    source = await openProbe({ syscalls: ['openat'] });
    collector = new LiveCollector(source);
  });
  afterAll(async () => {
    await collector?.stop();
    await source?.close();
  });
  // a fresh runner per phase: each phase needs its own trigger run
  const runClose = async () => {
    const r = await new TriggerRunner(collector).run('close');
    expect(r.code, r.stdout).toBe(0);
    return r;
  };

  it('with only openat selected, the trigger yields openat events and no close (nor any other syscall)', async () => {
    const r = await runClose();
    expect(r.of('openat').some((e) => e.params.name === '/etc/hostname'), 'openat of /etc/hostname').toBe(true);
    expect(r.of('close')).toEqual([]);
    expect([...new Set(r.events.map((e) => e.name))].sort()).toEqual(['openat', 'procexit']);
  });

  it('select() while attached: adding close makes close events appear, removing it makes them stop', async () => {
    source.select(['openat', 'close']);
    const on = await runClose();
    expect(on.of('close').map((e) => e.params.fd)).toEqual(expect.arrayContaining([on.num('close', 'fd'), 987]));
    expect(on.of('close').find((e) => e.params.fd === on.num('close', 'fd'))?.params.res).toBe(0);
    source.select(['openat']);
    const off = await runClose();
    expect(off.of('openat').length).toBeGreaterThan(0);
    expect(off.of('close')).toEqual([]);
  });
});
