// Fuzz: mutated and truncated corpus captures must end cleanly or with a ScapError — through the whole
// `sensord events` pipeline (reader, state, formatter), never another exception and never a hang.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { HAVE_SHARED, skipWithoutShared } from '../helpers/shared.js';
import { corpusCaptures, runEventsInMemory } from '../helpers/scap-corpus.js';
import { ScapError } from '../../sensor/src/source/errors.js';

const FORMAT = '*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.args %fd.name %evt.res';

const stats = { runs: 0, lines: 0, errors: 0 };

async function mustEndCleanlyOrScapError(bytes: Uint8Array): Promise<void> {
  stats.runs++;
  try {
    stats.lines += (await runEventsInMemory(bytes, FORMAT, true)).length;
  } catch (e) {
    stats.errors++;
    if (!(e instanceof ScapError)) throw e;
    expect(e.offset).toBeGreaterThanOrEqual(0);
  }
}

describe('scap fuzz', () => {
  const skip = skipWithoutShared('scap fuzz');
  const files = HAVE_SHARED ? corpusCaptures().filter((f) => !path.basename(f).startsWith('curl_google_comments')) : [];
  const raws = files.map((f) => readFileSync(f));
  const plains = raws.map((r) => new Uint8Array(r[0] === 0x1f ? gunzipSync(r) : r));

  it.skipIf(skip)('byte mutations and truncation of decompressed captures: ScapError or clean end (240 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: plains.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        fc.option(fc.nat()),
        async (fi, edits, cut) => {
          const src = plains[fi];
          const bytes = src.slice();
          // Positions spread over the whole file (most of it is metadata and event blocks).
          for (const [where, value] of edits) bytes[(where * 2654435761) % bytes.length] = value;
          const end = cut === null ? bytes.length : (cut * 2654435761) % (bytes.length + 1);
          await mustEndCleanlyOrScapError(bytes.subarray(0, end));
        },
      ),
      { numRuns: 240, seed: 20261123 },
    );
  });

  it.skipIf(skip)('mutated and truncated gzip streams (60 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: raws.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(),
        async (fi, where, value, cut) => {
          const bytes = new Uint8Array(raws[fi]);
          bytes[(where * 2654435761) % bytes.length] = value;
          await mustEndCleanlyOrScapError(bytes.subarray(0, (cut * 2654435761) % (bytes.length + 1)));
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it.skipIf(skip)('the fuzz cases really ran through the pipeline', () => {
    expect(stats.runs).toBeGreaterThanOrEqual(300);
    expect(stats.lines).toBeGreaterThan(10_000);
    expect(stats.errors).toBeGreaterThan(0);
  });
});
