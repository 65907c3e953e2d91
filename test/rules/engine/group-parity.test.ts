// The engine judges each event type's rules with one generated function (compiler/group.ts). On every corpus
// capture, with Falco's three rules files, ours and one probe rule per Falco macro, it must raise exactly the
// alerts (event number, rule, output) and count exactly the evaluations of the engine calling each rule's own
// function — the same rule set with the conditions' ASTs removed, which makes every group call the rules alone.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { HAVE_SHARED, REPO_ROOT, sharedPath, skipWithoutShared } from '../../helpers/shared.js';
import { corpusCaptures } from '../../helpers/scap-corpus.js';
import { expandRulePaths, loadRuleSetFromTexts } from '../../../sensor/src/rules/loader/index.js';
import { Engine } from '../../../sensor/src/rules/engine/index.js';
import { openScap } from '../../../sensor/src/source/scap-reader.js';
import type { CompiledRule, RuleSet } from '../../../sensor/src/rules/types.js';

process.env.TZ = 'UTC';

function ruleSet(): RuleSet {
  const falco = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map((f) => sharedPath('corpus', 'falco-rules', f));
  const files = [...falco, ...expandRulePaths([path.join(REPO_ROOT, 'rules')]).files];
  const texts = files.map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  const macros = (parse(texts[0].text) as Array<{ macro?: string }>).filter((i) => typeof i.macro === 'string').map((i) => i.macro!);
  const probes = macros.map((m) => `- rule: "macro: ${m}"\n  desc: probe\n  condition: ${m}\n  output: "%evt.num %proc.name %fd.name"\n  priority: DEBUG\n  warn_evttypes: false\n`).join('\n');
  return loadRuleSetFromTexts([...texts, { file: 'macro-probes.yaml', text: probes }]);
}

/** The same rules without their condition ASTs: each group then calls every rule's own matchIndexed. */
function alone(set: RuleSet): RuleSet {
  const map = new Map<CompiledRule, CompiledRule>(set.rules.map((r) => [r, { ...r, condition: undefined }]));
  return { ...set, rules: set.rules.map((r) => map.get(r)!), byEventType: set.byEventType.map((l) => l.map((r) => map.get(r)!)) };
}

async function judgeAll(set: RuleSet, file: string): Promise<{ alerts: string[]; evaluations: number; errors: number }> {
  const alerts: string[] = [];
  const engine: Engine = new Engine(set, { ruleMatching: 'all', emit: (a) => { alerts.push(`${engine.fields.ev.num} ${a.rule}: ${a.output}`); } });
  const reader = await openScap(file);
  for (const item of reader) {
    if (item.kind === 'section') engine.loadMetadata(item.metadata);
    else await engine.processBatch(item.batch);
  }
  const s = engine.stats();
  return { alerts, evaluations: s.evaluations, errors: s.ruleErrors };
}

describe('one function per event type judges like each rule alone', () => {
  const skip = skipWithoutShared('group parity');
  const set = HAVE_SHARED ? ruleSet() : undefined;

  it.skipIf(skip)('the rule set loads with 0 errors and its rules carry their expanded conditions', () => {
    expect(set!.errors).toEqual([]);
    expect(set!.rules.every((r) => r.condition !== undefined)).toBe(true);
  });

  for (const file of HAVE_SHARED ? corpusCaptures() : []) {
    it.skipIf(skip)(path.basename(file), async () => {
      const grouped = await judgeAll(set!, file);
      const single = await judgeAll(alone(set!), file);
      expect(grouped.alerts).toEqual(single.alerts);
      expect(grouped.evaluations).toBe(single.evaluations);
      expect(grouped.errors).toBe(single.errors);
    });
  }

  it.skipIf(skip)('the corpus exercises it: alerts are raised', async () => {
    let total = 0;
    for (const file of corpusCaptures().slice(0, 6)) total += (await judgeAll(set!, file)).alerts.length;
    expect(total).toBeGreaterThan(50);
  });
});
