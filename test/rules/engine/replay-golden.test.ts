// Replay of Falco's own test: cat_write.scap with rules/single_rule(.yaml|_with_tags.yaml) must print exactly
// Falco 0.35.1's alert lines (output_files/single_rule_with_cat_write.{txt,json}; JSON compared modulo hostname).
// Runs the replay pipeline (loader → engine → output queue) in process.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { skipWithoutShared, sharedPath } from '../../helpers/shared.js';
import { Engine, loadRules, ruleLoader } from '../../../sensor/src/rules/engine/index.js';
import { OutputQueue, type AlertOutput } from '../../../sensor/src/output/index.js';
import { openScap } from '../../../sensor/src/source/scap-reader.js';
import { FIELD_REGISTRY } from '../../../sensor/src/rules/fields/index.js';
import type { RuleSet } from '../../../sensor/src/rules/types.js';
import { makeRuleSet } from './helpers.js';

const skipShared = skipWithoutShared('replay golden (Falco 0.35.1 output files)');
const loaderMissing = await ruleLoader().then(() => false, (e: Error) => {
  console.warn(`SKIP replay golden: ${e.message}`);
  return true;
});

class Lines implements AlertOutput {
  readonly lines: string[] = [];
  constructor(readonly name: string, readonly format: 'text' | 'json') {}
  init(): void {}
  write(line: string): void { this.lines.push(line); }
  flush(): void {}
  close(): void {}
}

async function replay(rulesFile: string | RuleSet, json: boolean): Promise<{ lines: string[]; engine: Engine }> {
  const set = typeof rulesFile === 'string' ? await loadRules([sharedPath('corpus/expectations/falco-0.35.1/rules', rulesFile)]) : rulesFile;
  expect(set.errors).toEqual([]);
  const out = new Lines('mem', json ? 'json' : 'text');
  const queue = new OutputQueue([out], { hostname: 'sensord-test', policy: 'block' });
  const engine = new Engine(set, { emit: (a) => queue.push(a), timeIso8601: true, outputFields: json });
  const reader = await openScap(sharedPath('corpus/scap/falco/cat_write.scap'), { streaming: true });
  for await (const item of reader) {
    if (item.kind === 'section') engine.loadMetadata(item.metadata);
    else await engine.processBatch(item.batch);
  }
  await queue.close();
  return { lines: out.lines, engine };
}

const strip = (l: string) => { const o = JSON.parse(l); delete o.hostname; return o; };
const golden = (name: string) => readFileSync(sharedPath('corpus/expectations/falco-0.35.1/output_files', name), 'utf8').split('\n').filter((l) => l !== '');

describe.skipIf(skipShared || loaderMissing)('replay golden: single_rule over cat_write.scap', () => {
  it('text lines equal Falco 0.35.1 (time_format_iso_8601)', async () => {
    const { lines, engine } = await replay('single_rule.yaml', false);
    expect(lines).toEqual(golden('single_rule_with_cat_write.txt'));
    expect(engine.stats().rules.find((r) => r.name === 'open_from_cat')?.matches).toBe(8);
  });

  it('JSON lines equal Falco 0.35.1 modulo hostname', async () => {
    const { lines } = await replay('single_rule_with_tags.yaml', true);
    expect(lines.map(strip)).toEqual(golden('single_rule_with_cat_write.json').map(strip));
  });
});

// The same rule built by hand (`evt.type=open and proc.name in (cat)`): checks the engine and outputs alone,
// whether or not the loader is there.
describe.skipIf(skipShared)('replay golden with a hand-built open_from_cat', () => {
  const PROC_NAME = FIELD_REGISTRY.bind('proc.name');
  const handSet = (tags: string[]) => makeRuleSet([{
    name: 'open_from_cat', types: ['open'], priority: 'WARNING', tags, output: 'An open was seen (command=%proc.cmdline)',
    match: (ctx) => ctx.value(PROC_NAME) === 'cat',
  }]);

  it('text and JSON lines equal Falco 0.35.1', async () => {
    expect((await replay(handSet([]), false)).lines).toEqual(golden('single_rule_with_cat_write.txt'));
    const { lines } = await replay(handSet(['testing', 'filesystem', 'process']), true);
    expect(lines.map(strip)).toEqual(golden('single_rule_with_cat_write.json').map(strip));
  });
});
