import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import path from 'node:path';
import { HAVE_SHARED, sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { corpusCaptures, expectedRawCounts } from '../helpers/scap-corpus.js';
import { openScap, ScapError, BlockType, type ScapReader } from '../../sensor/src/source/scap-reader.js';
import { EventView } from '../../sensor/src/decode/event-view.js';

function drain(r: ScapReader): { events: number; sections: number; types: Map<number, number> } {
  let events = 0, sections = 0;
  const types = new Map<number, number>();
  for (const it of r) {
    if (it.kind === 'section') { sections++; continue; }
    const b = it.batch;
    for (let i = 0; i < b.count; i++) {
      const t = b.view.getUint16(b.offsets[i] + 20, true);
      types.set(t, (types.get(t) ?? 0) + 1);
    }
    events += b.count;
  }
  return { events, sections, types };
}

/** Catches the error a reader throws after delivering its events. */
function drainUntilError(r: ScapReader): { events: number; error: unknown } {
  let events = 0;
  try {
    for (const it of r) if (it.kind === 'events') events += it.batch.count;
    return { events, error: undefined };
  } catch (e) {
    return { events, error: e };
  }
}

const plain = (name: string) => {
  const raw = readFileSync(name);
  return raw[0] === 0x1f ? new Uint8Array(gunzipSync(raw)) : new Uint8Array(raw);
};

describe('scap reader: corpus', () => {
  const skip = skipWithoutShared('scap reader corpus');
  const files = HAVE_SHARED ? corpusCaptures() : [];
  const expected = HAVE_SHARED ? expectedRawCounts() : new Map<string, number>();

  it.skipIf(skip)('finds all 15 captures and their README counts', () => {
    expect(files).toHaveLength(15);
    for (const f of files) expect(expected.get(path.basename(f)), path.basename(f)).toBeGreaterThan(0);
  });

  for (const f of files) {
    const name = path.basename(f);
    it.skipIf(skip)(`${name}: every event block is read; count equals the README's raw block count`, async () => {
      const r = await openScap(f);
      const { events, sections } = drain(r);
      expect(sections).toBe(1);
      expect(events).toBe(expected.get(name));
      expect(r.metadata.threads.length).toBeGreaterThan(0);
      expect(r.metadata.machine?.numCpus).toBeGreaterThan(0);
      expect(r.skippedUnknown).toBe(0);
    });
  }

  it.skipIf(skip)('every record is a valid v2 record (v1 files are normalised): lengths add up', async () => {
    const view = new EventView();
    for (const f of files) {
      for (const it of await openScap(f)) {
        if (it.kind !== 'events') continue;
        const b = it.batch;
        for (let i = 0; i < b.count; i++) {
          view.set(b.bytes, b.view, b.offsets[i], b.cpus[i], i + 1);
          expect(view.error, `${path.basename(f)} record ${i}`).toBe(0);
          expect(view.paramCount()).toBe(view.nparams);
        }
      }
    }
  });

  it.skipIf(skip)('EV_V2 records are handed out in place (no copy of the file buffer)', async () => {
    const bytes = plain(sharedPath('corpus', 'scap', 'libs', 'sample.scap'));
    const r = await openScap(bytes);
    for (const it of r) {
      if (it.kind === 'events') { expect(it.batch.bytes).toBe(bytes); break; }
    }
  });

  it.skipIf(skip)('curl_google_comments.scap (SHB with 88 option bytes) reads like curl_google.scap', async () => {
    const a = drain(await openScap(sharedPath('corpus', 'scap', 'libs', 'curl_google.scap')));
    const b = drain(await openScap(sharedPath('corpus', 'scap', 'libs', 'curl_google_comments.scap')));
    expect(b.events).toBe(a.events);
    expect([...b.types]).toEqual([...a.types]);
  });

  it.skipIf(skip)('concatenated captures are sections: metadata again, then more events', async () => {
    const a = plain(sharedPath('corpus', 'scap', 'falco', 'cat_write.scap'));
    const b = plain(sharedPath('corpus', 'scap', 'libs', 'sample.scap'));
    const both = new Uint8Array(a.length + b.length);
    both.set(a); both.set(b, a.length);
    const r = await openScap(gzipSync(both));
    const sections: number[] = [];
    let events = 0;
    for (const it of r) {
      if (it.kind === 'section') sections.push(it.metadata.threads.length);
      else { events += it.batch.count; expect(it.batch.section).toBe(sections.length - 1); }
    }
    expect(sections).toEqual([73, 94]);
    expect(events).toBe(345 + 572);
  });

  it.skipIf(skip)('a truncated capture yields the events before the cut, then an error with offset and block type', async () => {
    const bytes = plain(sharedPath('corpus', 'scap', 'libs', 'sample.scap'));
    // Find the start of the 100th event block and cut 10 bytes into it.
    let pos = 0, seen = 0, cutBlock = -1;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    while (pos < bytes.length) {
      const t = dv.getUint32(pos, true);
      if (t === BlockType.EV_V2 || t === BlockType.EVF_V2) { if (++seen === 100) { cutBlock = pos; break; } }
      pos += dv.getUint32(pos + 4, true);
    }
    const { events, error } = drainUntilError(await openScap(bytes.subarray(0, cutBlock + 10)));
    expect(events).toBe(99);
    expect(error).toBeInstanceOf(ScapError);
    const e = error as ScapError;
    expect(e.code).toBe('ETRUNCATED');
    expect(e.offset).toBe(cutBlock);
    expect(e.blockType).toBe(BlockType.EV_V2);
    expect(e.message).toContain(`at byte ${cutBlock}`);
    expect(e.message).toContain('EV_V2');
  });

  it.skipIf(skip)('a truncated gzip file delivers what decompressed, then a ScapError', async () => {
    const gz = readFileSync(sharedPath('corpus', 'scap', 'libs', 'curl_google.scap'));
    const { events, error } = drainUntilError(await openScap(new Uint8Array(gz.subarray(0, Math.floor(gz.length * 0.8)))));
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThan(1536);
    expect(error).toBeInstanceOf(ScapError);
  });

  it('rejects input that is not a capture with EMAGIC', async () => {
    await expect(openScap(new Uint8Array(64))).rejects.toMatchObject({ code: 'EMAGIC', offset: 0 });
    await expect(openScap('/nonexistent/file.scap')).rejects.toMatchObject({ code: 'EOPEN' });
  });
});

describe('scap reader: scale', () => {
  const skip = skipWithoutShared('scap reader scale');
  it.skipIf(skip)('reads a 1M-event capture quickly, in batches of thousands', async () => {
    const src = plain(sharedPath('corpus', 'scap', 'libs', 'sample.scap'));
    const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    // Header = everything before the first event block; then repeat the event blocks up to 1M events.
    let pos = 0, firstEv = -1;
    const blocks: [number, number][] = [];
    while (pos < src.length) {
      const t = dv.getUint32(pos, true), l = dv.getUint32(pos + 4, true);
      if (t === BlockType.EV_V2 || t === BlockType.EVF_V2) { if (firstEv < 0) firstEv = pos; blocks.push([pos, l]); }
      pos += l;
    }
    const evBytes = src.subarray(firstEv);
    const target = 1_000_000;
    const reps = Math.ceil(target / blocks.length);
    const big = new Uint8Array(firstEv + evBytes.length * reps);
    big.set(src.subarray(0, firstEv));
    for (let i = 0; i < reps; i++) big.set(evBytes, firstEv + i * evBytes.length);
    const r = await openScap(big);
    let events = 0, batches = 0;
    for (const it of r) if (it.kind === 'events') { events += it.batch.count; batches++; }
    expect(events).toBe(blocks.length * reps);
    expect(events).toBeGreaterThanOrEqual(target);
    expect(events / batches).toBeGreaterThan(4000);
  });
});
