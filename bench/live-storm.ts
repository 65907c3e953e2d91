// Live syscall storm: what the attached sensor costs each syscall and how many events it receives.
// Baseline (no probe) and attached runs are measured in the same process run; ratios, not absolutes, matter.
//   - getppid is never traced: its added cost is the price of an unselected syscall;
//   - close(-1) is traced (fails fast with EBADF): its added cost is the price of a selected syscall,
//     and its events are counted by a JS consumer that decodes every record header.
import { openLiveSource } from '../sensor/src/source/live.js';
import { EventView } from '../sensor/src/decode/event-view.js';
import { fmt, median, stormNs } from './util.js';

export interface StormResult {
  baseUnselectedNs: number; baseSelectedNs: number;
  unselectedNs: number; selectedNs: number;
  received: number; seconds: number; drops: number;
}

export async function liveStorm(calls = 4_000_000, rounds = 3): Promise<StormResult> {
  const base = { un: [] as number[], sel: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    base.un.push(await stormNs('getppid', calls));
    base.sel.push(await stormNs('close', calls));
  }

  const source = openLiveSource();
  const view = new EventView();
  let closeEvents = 0;
  let running = true;
  const CLOSE_X = 5;
  const consumer = (async () => {
    while (running) {
      const batch = await source.next();
      if (!batch) break;
      for (let i = 0; i < batch.count; i++) {
        view.set(batch.bytes, batch.view, batch.offsets[i], batch.cpus[i], 0);
        if (view.type === CLOSE_X && view.i64(1) === -1) closeEvents++;
      }
    }
  })();
  try {
    const att = { un: [] as number[], sel: [] as number[] };
    for (let i = 0; i < rounds; i++) att.un.push(await stormNs('getppid', calls));
    const dropsBefore = source.stats().drops;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) att.sel.push(await stormNs('close', calls));
    // Let the consumer drain what is still in the rings.
    const expected = rounds * calls;
    const drainUntil = Date.now() + 5000;
    while (closeEvents + (source.stats().drops - dropsBefore) < expected && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      baseUnselectedNs: median(base.un), baseSelectedNs: median(base.sel),
      unselectedNs: median(att.un), selectedNs: median(att.sel),
      received: closeEvents, seconds, drops: source.stats().drops - dropsBefore,
    };
  } finally {
    running = false;
    await consumer.catch(() => undefined);
    await source.close();
  }
}

export function printStorm(r: StormResult, calls: number, rounds: number): void {
  const addUn = r.unselectedNs - r.baseUnselectedNs;
  const addSel = r.selectedNs - r.baseSelectedNs;
  console.log(`live storm: ${rounds}×${calls} calls, medians, probe attached with every probed syscall selected`);
  console.log(`  unselected getppid: ${fmt(r.baseUnselectedNs)} → ${fmt(r.unselectedNs)} ns/call  (+${fmt(addUn)} ns, target ≤64; ratio ${fmt(r.unselectedNs / r.baseUnselectedNs, 2)}×)`);
  console.log(`  selected close(-1): ${fmt(r.baseSelectedNs)} → ${fmt(r.selectedNs)} ns/call  (+${fmt(addSel)} ns, target ≤300; ratio ${fmt(r.selectedNs / r.baseSelectedNs, 2)}×)`);
  console.log(`  received ${r.received} close events in ${fmt(r.seconds, 2)} s of storm+drain = ${fmt(r.received / r.seconds / 1e6, 2)} M events/s; drops ${r.drops}`);
}
