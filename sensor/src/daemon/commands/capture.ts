// `sensord capture -w FILE [--duration S] [--count N]`: live events into a .scap capture that sysdig and
// Falco read. Header blocks come from a /proc snapshot taken after the probe is attached, so no process
// that starts during the snapshot is missed by both.
import { openLiveSource } from '../../source/live.js';
import { ScapWriter } from '../../source/scap-writer.js';
import { readProcSnapshot } from '../../source/proc-snapshot.js';
import type { EventBatch } from '../../schema/capture-types.js';

export interface CaptureOptions { write: string; duration?: number; count?: number }

export async function runCapture(opts: CaptureOptions): Promise<number> {
  const source = openLiveSource();
  let stop = false;
  const onSignal = () => { stop = true; };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const deadline = opts.duration !== undefined ? Date.now() + opts.duration * 1000 : Infinity;
  const limit = opts.count ?? Infinity;
  let written = 0;
  let writer: ScapWriter | undefined;
  try {
    writer = await ScapWriter.create(opts.write, { gzip: true, metadata: await readProcSnapshot({ includeEnv: false }) });
    while (!stop && written < limit && Date.now() < deadline) {
      const batch = await source.next();
      if (!batch) break;
      if (batch.count === 0) continue;
      const take = Math.min(batch.count, limit - written);
      await writer.writeBatch(take === batch.count ? batch : truncated(batch, take));
      written += take;
    }
    const stats = source.stats();
    process.stderr.write(`sensord capture: ${written} events written to ${opts.write}; ring drops ${stats.drops}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await writer?.close();
    await source.close();
  }
}

function truncated(batch: EventBatch, count: number): EventBatch {
  return { ...batch, count };
}
