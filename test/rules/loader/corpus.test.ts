// Falco's own rules files load with 0 errors (alone and together), and every rules combination the
// falcosecurity/testing runs use (detections.yaml) loads without errors, as it does in Falco.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { skipWithoutShared, sharedPath } from '../../helpers/shared.js';
import { loadRuleSet, formatMessage } from '../../../sensor/src/rules/loader/index.js';
import { runRulesValidate } from '../../../sensor/src/daemon/commands/rules.js';

const skip = skipWithoutShared('rules corpus');
const FALCO = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'];

describe.skipIf(skip)("Falco's rules files", () => {
  it.each(FALCO)('%s loads with 0 errors', (f) => {
    const set = loadRuleSet([sharedPath('corpus', 'falco-rules', f)]);
    expect(set.errors.map(formatMessage)).toEqual([]);
    expect(set.rules.length).toBeGreaterThan(20);
    for (const r of set.rules) expect(r.source).toBe('syscall');
  });

  it('all three load together, every enabled rule indexed by its event types', () => {
    const set = loadRuleSet(FALCO.map((f) => sharedPath('corpus', 'falco-rules', f)));
    expect(set.errors.map(formatMessage)).toEqual([]);
    expect(set.files).toHaveLength(3);
    for (const r of set.rules) {
      if (r.evttypes === null) continue;
      for (const id of r.evttypes) expect(set.byEventType[id]).toContain(r);
      for (const id of r.evttypes) expect(set.eventTypes.has(id)).toBe(true);
    }
  });

  it('`sensord rules validate` exits 0 on them', () => {
    const lines: string[] = [];
    expect(runRulesValidate(FALCO.map((f) => sharedPath('corpus', 'falco-rules', f)), {}, (s) => lines.push(s))).toBe(0);
    expect(lines.join('\n').split('\n')[0]).toMatch(/: Ok$/);
  });
});

describe.skipIf(skip)('falcosecurity/testing rules combinations', () => {
  const dir = sharedPath('corpus', 'expectations', 'falcosecurity-testing');
  const runs = skip ? [] : (parse(readFileSync(`${dir}/detections.yaml`, 'utf8')) as Array<{ test: string; rules?: Array<{ file: string }> }>);
  const combos = new Map<string, string[]>();
  for (const r of runs) {
    if (r.rules === undefined || r.rules.length === 0) continue;
    const files = r.rules.map((x) => (existsSync(`${dir}/rules/${x.file}`) ? `${dir}/rules/${x.file}` : sharedPath('corpus', 'falco-rules', x.file)));
    combos.set(files.join('|'), files);
  }
  it.each([...combos.values()].map((f) => [f.map((x) => x.split('/').pop()).join(' + '), f]))('%s loads without errors', (_name, files) => {
    const set = loadRuleSet(files as string[]);
    expect(set.errors.map(formatMessage)).toEqual([]);
  });
});
