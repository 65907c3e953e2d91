// Live tests of the default rules (rules/sensord_rules.yaml): each case's positive behaviour, performed on
// this machine with the probe attached and the rules engine judging the events, raises exactly its rule
// (and no other default rule) from its process tree; the negative near-miss raises nothing.
// Container-only rules expect their alert only when this test runs in a container (as sensord sees it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutProbe } from '../../helpers/live.js';
import { CASES } from './cases.js';
import { LiveEngine, makeSandbox, runBehaviour, selfContainerId, startListener, type Sandbox } from './harness.js';

const skip = skipWithoutProbe('default rules live');

describe.skipIf(skip)('default rules, live', () => {
  let engine: LiveEngine;
  let sb: Sandbox;
  let listener: Awaited<ReturnType<typeof startListener>>;
  let inContainer = false;

  beforeAll(async () => {
    engine = await LiveEngine.start();
    sb = makeSandbox();
    listener = await startListener();
    inContainer = (await selfContainerId()) !== 'host';
  });
  afterAll(async () => {
    await engine?.stop();
    await listener?.close();
    sb?.close();
  });

  async function alertsOf(script: { script: string }): Promise<string[]> {
    const { pid } = await runBehaviour({ script: script.script, what: '' }, sb, { PORT: String(listener.port) });
    return [...new Set((await engine.alertsOf(pid)).map((a) => a.rule))].sort();
  }

  for (const c of CASES) {
    it(`${c.id}: positive (${c.pos.what}) raises exactly "${c.rule}"`, async () => {
      const expected = c.containerOnly && !inContainer ? [] : [c.rule];
      expect(await alertsOf(c.pos)).toEqual(expected);
    });
    it(`${c.id}: negative (${c.neg.what}) raises nothing`, async () => {
      expect(await alertsOf(c.neg)).toEqual([]);
    });
  }
});
