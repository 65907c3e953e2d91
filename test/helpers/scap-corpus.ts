// Corpus helpers for reader/formatter tests: the 15 captures, their expected raw event-block counts (parsed
// from corpus/README.md "raw event blocks by PPME id"), and an in-memory run of `sensord events`.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sharedPath } from './shared.js';
import { BufferedWriter, EventPrinter } from '../../sensor/src/daemon/commands/events.js';
import { openScap } from '../../sensor/src/source/scap-reader.js';

export function corpusCaptures(): string[] {
  const root = sharedPath('corpus', 'scap');
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p); else if (n.endsWith('.scap')) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** file name → sum of "raw event blocks by PPME id" in the corpus README. */
export function expectedRawCounts(): Map<string, number> {
  const readme = readFileSync(sharedPath('corpus', 'README.md'), 'utf8');
  const out = new Map<string, number>();
  let current = '';
  for (const line of readme.split('\n')) {
    const h = /^### `scap\/(?:.*\/)?([^/`]+\.scap)`/.exec(line);
    if (h) { current = h[1]; continue; }
    if (current && line.startsWith('- raw event blocks by PPME id')) {
      const sum = [...line.matchAll(/\[\d+\] (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      out.set(current, sum);
    }
  }
  return out;
}

class Collect extends Writable {
  chunks: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void { this.chunks.push(chunk.toString()); cb(); }
}

/** Runs the `sensord events` pipeline over a capture in memory and returns the printed lines. */
export async function runEventsInMemory(input: string | Uint8Array, format?: string, debug = false, filter?: string): Promise<string[]> {
  const sink = new Collect();
  const out = new BufferedWriter(sink);
  const printer = new EventPrinter(out, format ?? '*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.args', debug, Infinity, filter);
  const reader = await openScap(input);
  for (const item of reader) {
    if (item.kind === 'section') printer.loadMetadata(item.metadata);
    else await printer.batch(item.batch);
  }
  await out.flush();
  const text = sink.chunks.join('');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}
