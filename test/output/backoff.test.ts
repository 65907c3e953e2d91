import { describe, expect, it } from 'vitest';
import { Backoff } from '../../sensor/src/output/backoff.js';

describe('Backoff', () => {
  it('doubles from the initial delay to the cap, jittered within [b/2, b]', () => {
    const low = new Backoff(200, 30_000, () => 0);
    expect(Array.from({ length: 10 }, () => low.next())).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12_800, 15_000, 15_000]);
    const high = new Backoff(200, 30_000, () => 0.999999);
    const seq = Array.from({ length: 10 }, () => high.next());
    expect(seq.slice(0, 3)).toEqual([200, 400, 800]);
    expect(Math.max(...seq)).toBe(30_000);
  });

  it('starts over after reset()', () => {
    const b = new Backoff(100, 10_000, () => 0.999999);
    b.next(); b.next(); b.next();
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('never returns 0 nor more than the cap, whatever the draw', () => {
    for (const r of [0, 0.25, 0.5, 0.999999]) {
      const b = new Backoff(1, 50, () => r);
      for (let i = 0; i < 40; i++) {
        const d = b.next();
        expect(d).toBeGreaterThan(0);
        expect(d).toBeLessThanOrEqual(50);
      }
    }
  });
});
