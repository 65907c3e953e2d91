// The loader on small inline files: items, redefinition, append/override, enabled toggles, priorities,
// exceptions in both forms, warnings, and errors in Falco's shape with file:line:col.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleSetFromTexts, loadRuleSet, buildExceptions } from '../../../sensor/src/rules/loader/index.js';
import { runRulesValidate } from '../../../sensor/src/daemon/commands/rules.js';
import { eventIdsOf } from '../../../sensor/src/rules/compiler/index.js';

const load = (...texts: string[]) => loadRuleSetFromTexts(texts.map((text, i) => ({ file: `f${i}.yaml`, text })));
const rule = (name: string, cond: string, extra = '') =>
  `- rule: ${name}\n  desc: d\n  condition: ${cond}\n  output: "o %proc.name"\n  priority: WARNING\n${extra}`;
const codes = (ms: readonly { code: string }[]) => ms.map((m) => m.code);

describe('items', () => {
  it('lists, macros and rules compile; redefinition replaces in place', () => {
    const s = load(`- list: l\n  items: [a, b]\n- macro: m\n  condition: proc.name in (l)\n${rule('r', 'evt.type=open and m')}`,
      `- list: l\n  items: [c]\n`);
    expect(s.errors).toEqual([]);
    expect(s.rules[0].expandedCondition).toBe('evt.type = open and proc.name in (c)');
    expect(s.rules[0].evttypes).toEqual([...eventIdsOf('open')!].sort((a, b) => a - b));
  });
  it('legacy append (deprecated) for lists, macros, rule conditions', () => {
    const s = load(`- list: l\n  items: [a]\n- macro: m\n  condition: proc.name in (l)\n${rule('r', 'evt.type=open and m')}`,
      `- list: l\n  items: [b]\n  append: true\n- macro: m\n  condition: or proc.name=x\n  append: true\n- rule: r\n  condition: and fd.name=/tmp\n  append: true\n`);
    expect(s.errors).toEqual([]);
    expect(s.rules[0].expandedCondition).toBe('evt.type = open and (proc.name in (a, b) or proc.name = x) and fd.name = /tmp');
    expect(codes(s.warnings).filter((c) => c === 'LOAD_DEPRECATED_ITEM')).toHaveLength(3);
  });
  it('override: append and replace per key', () => {
    const s = load(rule('r', 'evt.type=open', '  tags: [a]\n'),
      `- rule: r\n  condition: and proc.name=cat\n  priority: error\n  tags: [b]\n  override:\n    condition: append\n    priority: replace\n    tags: append\n`);
    expect(s.errors).toEqual([]);
    expect(s.rules[0].expandedCondition).toBe('evt.type = open and proc.name = cat');
    expect(s.rules[0].priority).toBe('ERROR');
    expect(s.rules[0].tags).toEqual(['a', 'b']);
  });
  it('override and append together, or override without the key, are errors', () => {
    const s = load(rule('r', 'evt.type=open'), `- rule: r\n  condition: x\n  append: true\n  override:\n    condition: append\n`);
    expect(codes(s.errors)).toEqual(['LOAD_ERR_YAML_VALIDATE']);
    const t = load(rule('r', 'evt.type=open'), `- rule: r\n  override:\n    condition: append\n`);
    expect(t.errors[0].message).toMatch(/override is defined for 'condition'/);
  });
  it('enabled toggles, disabled rules are compiled but not in the set', () => {
    const s = load(rule('r', 'evt.type=open'), `- rule: r\n  enabled: false\n`);
    expect(s.errors).toEqual([]);
    expect(s.rules).toHaveLength(0);
    expect(s.allRules[0].enabled).toBe(false);
    expect(s.eventTypes.size).toBe(0);
    const t = load(rule('r', 'evt.type=open', '  enabled: false\n'), `- rule: r\n  enabled: true\n`);
    expect(t.rules).toHaveLength(1);
  });
  it('priorities are case-insensitive with INFO as INFORMATIONAL; others are errors', () => {
    const s = load(rule('r', 'evt.type=open').replace('WARNING', 'info'));
    expect(s.rules[0].priority).toBe('INFORMATIONAL');
    expect(s.rules[0].priorityLevel).toBe(6);
    expect(load(rule('r', 'evt.type=open').replace('WARNING', 'loud')).errors[0].message).toBe('Invalid priority');
  });
  it('engine version: semver or legacy integer', () => {
    expect(load('- required_engine_version: 0.57.0\n').errors).toEqual([]);
    expect(load('- required_engine_version: 15\n').errors).toEqual([]);
    expect(load('- required_engine_version: 0.99.0\n').errors[0].message).toMatch(/Rules require engine version 0.99.0/);
    expect(load('- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n').warnings).toEqual([]);
    expect(codes(load('- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n').warnings)).toEqual(['LOAD_UNKNOWN_SOURCE']);
  });
  it('non-syscall sources are skipped with LOAD_UNKNOWN_SOURCE', () => {
    const s = load(rule('k', 'ka.verb=create', '  source: k8s_audit\n'));
    expect(s.errors).toEqual([]);
    expect(codes(s.warnings)).toEqual(['LOAD_UNKNOWN_SOURCE']);
    expect(s.rules).toHaveLength(0);
  });
});

describe("append, override and enabled as Falco's reader decides them", () => {
  it("'override: replace' of a list or macro not defined yet defines it; an append still needs one", () => {
    const s = load(`- list: newlist\n  items: [cat]\n  override:\n    items: replace\n- macro: newmacro\n  condition: proc.name in (newlist)\n  override:\n    condition: replace\n${rule('r', 'evt.type=open and newmacro')}`);
    expect(s.errors).toEqual([]);
    expect(s.rules[0].expandedCondition).toBe('evt.type = open and proc.name in (cat)');
    expect(load('- list: nolist\n  items: [a]\n  override:\n    items: append\n').errors[0].message).toBe("List uses 'append' or 'override.items: append' but no list by that name already exists");
  });
  it("'append: false' beside 'override' is accepted; 'append: true' beside it is refused", () => {
    expect(load(rule('r', 'evt.type=open'), `- rule: r\n  condition: and proc.name=cat\n  append: false\n  override:\n    condition: append\n`).errors).toEqual([]);
    expect(codes(load(rule('r', 'evt.type=open'), `- rule: r\n  condition: and proc.name=cat\n  append: true\n  override:\n    condition: append\n`).errors)).toEqual(['LOAD_ERR_YAML_VALIDATE']);
  });
  it("a legacy 'append: true' rule takes condition and exceptions and ignores its other keys", () => {
    const s = load(rule('r', 'evt.type=open'), `- rule: r\n  condition: and proc.name=cat\n  output: ignored\n  priority: ERROR\n  append: true\n`);
    expect(s.errors).toEqual([]);
    expect([s.rules[0].expandedCondition, s.rules[0].output, s.rules[0].priority]).toEqual(['evt.type = open and proc.name = cat', 'o %proc.name', 'WARNING']);
  });
  it("a standalone 'enabled' works and is deprecated (LOAD_DEPRECATED_ITEM)", () => {
    const s = load(rule('r', 'evt.type=open'), '- rule: r\n  enabled: false\n');
    expect(s.errors).toEqual([]);
    expect(s.rules).toHaveLength(0);
    expect(s.warnings.map((w) => w.message)).toContain("The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').");
  });
});

describe("YAML as Falco's reader (yaml-cpp) takes it", () => {
  it('several documents (---) in one file: their items in order', () => {
    const s = load(`${rule('a', 'evt.type=open')}---\n${rule('b', 'evt.type=openat')}---\n`);
    expect(s.errors).toEqual([]);
    expect(s.rules.map((r) => r.name)).toEqual(['a', 'b']);
    expect(load(`${rule('a', 'evt.type=open')}---\nfoo: bar\n`).errors[0]).toMatchObject({ code: 'LOAD_ERR_YAML_VALIDATE', message: 'Rules content is not yaml array of objects' });
  });
  it('aliases read as the anchored value', () => {
    const s = load(`- rule: a\n  desc: &d shared\n  condition: &c evt.type = open\n  output: o\n  priority: INFO\n  tags: &t [x, y]\n` +
      `- rule: b\n  desc: *d\n  condition: *c\n  output: o\n  priority: INFO\n  tags: *t\n`);
    expect(s.errors).toEqual([]);
    expect(s.rules.map((r) => [r.name, r.desc, r.expandedCondition, r.tags])).toEqual([
      ['a', 'shared', 'evt.type = open', ['x', 'y']], ['b', 'shared', 'evt.type = open', ['x', 'y']],
    ]);
  });
  it("outputs are trimmed (a '>' block ends in a newline); appended pieces too", () => {
    const s = load(`- rule: r\n  desc: d\n  condition: evt.type=open\n  output: >\n    opened %fd.name\n    by %proc.name\n  priority: INFO\n`,
      `- rule: r\n  output: |\n    (more)\n  override:\n    output: append\n`);
    expect(s.errors).toEqual([]);
    expect(s.rules[0].output).toBe('opened %fd.name by %proc.name (more)');
  });
  it("booleans: yaml-cpp's y/n, yes/no, on/off, true/false in lower, UPPER or Capitalized case", () => {
    for (const [v, enabled] of [['no', false], ['Off', false], ['"FALSE"', false], ['N', false], ['yes', true], ['ON', true], ['True', true]] as const) {
      const s = load(rule('r', 'evt.type=open', `  enabled: ${v}\n`));
      expect(s.errors, v).toEqual([]);
      expect(s.rules.length, v).toBe(enabled ? 1 : 0);
    }
    expect(codes(load(rule('r', 'evt.type=open', '  enabled: tRuE\n')).errors)).toEqual(['LOAD_ERR_YAML_VALIDATE']);
  });
  it('a lone - entry is skipped', () => {
    const s = load(`- \n${rule('r', 'evt.type=open')}`);
    expect(s.errors).toEqual([]);
    expect(s.rules).toHaveLength(1);
  });
});

describe('exceptions', () => {
  it('are compiled as Falco writes them', () => {
    expect(buildExceptions([{ name: 'e', fields: ['proc.name', 'fd.name'], comps: ['=', 'in'], values: [{ item: '', items: [{ item: 'cat' }, { item: 'a b' }] }], ctx: null as never }]))
      .toBe(' and not (( proc.name = cat and  fd.name in (a b)))');
    expect(buildExceptions([{ name: 'e', fields: 'proc.cmdline', comps: 'in', values: [{ item: 'cat /dev/null' }, { item: 'x' }], ctx: null as never }]))
      .toBe(' and not (proc.cmdline in ("cat /dev/null", x))');
  });
  it('tuple form, single-field form, list references and appended values', () => {
    const s = load(`- list: cmds\n  items: ["cat /dev/zero"]\n` + rule('r', 'evt.type=open and proc.name=cat',
      '  exceptions:\n    - name: t\n      fields: [proc.name, proc.cmdline]\n      comps: [=, in]\n      values:\n        - [cat, cmds]\n    - name: s\n      fields: proc.pname\n      values: [sh]\n'),
      '- rule: r\n  exceptions:\n    - name: s\n      values: [bash]\n  append: true\n');
    expect(s.errors).toEqual([]);
    expect(s.rules[0].expandedCondition).toBe('(evt.type = open and proc.name = cat) and not (proc.name = cat and proc.cmdline in ("cat /dev/zero")) and not proc.pname in (sh, bash)');
  });
  it('validation: comps length, single-field comps, unknown fields', () => {
    const bad = (ex: string) => load(rule('r', 'evt.type=open', `  exceptions:\n${ex}`)).errors[0]?.message;
    expect(bad('    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=]\n')).toBe('Fields and comps lists must have equal length');
    expect(bad('    - name: e\n      fields: proc.name\n      comps: =\n')).toBe('When fields is a single value, comps must be one of (in, pmatch, intersects)');
    expect(bad('    - name: e\n      fields: [proc.nobody]\n')).toBe("'proc.nobody' is not a supported filter field");
  });
});

describe('warnings', () => {
  it('LOAD_NO_EVTTYPE unless warn_evttypes: false; such rules run on every probed event', () => {
    const s = load(rule('r', 'proc.name=cat'));
    expect(codes(s.warnings)).toEqual(['LOAD_NO_EVTTYPE']);
    expect(s.rules[0].evttypes).toBeNull();
    expect(s.eventTypes.size).toBeGreaterThan(10);
    expect(s.byEventType.every((l) => l.length === 1)).toBe(true);
    expect(load(rule('r', 'proc.name=cat', '  warn_evttypes: false\n')).warnings).toEqual([]);
  });
  it('unused macros and lists, unknown keys, unknown items', () => {
    const s = load('- list: l\n  items: [a]\n- macro: m\n  condition: proc.name=a\n- foo: bar\n' + rule('r', 'evt.type=open', '  colour: red\n'));
    expect(codes(s.warnings).sort()).toEqual(['LOAD_UNKNOWN_ITEM', 'LOAD_UNKNOWN_KEY', 'LOAD_UNUSED_LIST', 'LOAD_UNUSED_MACRO']);
  });
  it('an unused macro is still resolved: naming an undefined macro is an error (Falco compile_macros_infos), reported once', () => {
    const s = load(`- macro: unused_bad\n  condition: undefined_thing and proc.name = cat\n${rule('r', 'evt.type=open')}`);
    expect(s.errors.map((e) => [e.code, e.message])).toEqual([['LOAD_ERR_VALIDATE', "Undefined macro 'undefined_thing' used in filter."]]);
    expect(s.errors[0].context.locations.at(-1)).toMatchObject({ file: 'f0.yaml', line: 2, col: 14 });
    const used = load(`- macro: bad\n  condition: undefined_thing\n${rule('r', 'evt.type=open and bad')}`);
    expect(codes(used.errors)).toEqual(['LOAD_ERR_VALIDATE']);
  });
  it('skip-if-unknown-filter turns unknown fields/event types into LOAD_UNKNOWN_FILTER and skips the rule', () => {
    const s = load(rule('r', 'evt.type=open and proc.nobody=cat', '  skip-if-unknown-filter: true\n'), rule('q', 'evt.type=open'));
    expect(s.errors).toEqual([]);
    expect(codes(s.warnings)).toEqual(['LOAD_UNKNOWN_FILTER']);
    expect(s.rules.map((r) => r.name)).toEqual(['q']);
  });
});

describe('errors in Falco shape', () => {
  it('condition errors point at file:line:col of the offending token', () => {
    const s = load(`# header\n${rule('bad', 'evt.type=open and proc.nobody=cat')}`);
    const e = s.errors[0];
    expect(e.code).toBe('LOAD_ERR_COMPILE_CONDITION');
    expect(e.codedesc).toBe('Error compiling condition');
    expect(e.message).toBe('filter_check called with nonexistent field proc.nobody');
    const locs = e.context.locations;
    expect(locs[0]).toMatchObject({ file: 'f0.yaml', item_type: 'rules content' });
    expect(locs[1]).toMatchObject({ item_type: 'rule', item_name: 'bad', line: 2, col: 3 });
    expect(locs.at(-1)).toMatchObject({ item_type: 'condition expression', line: 4, col: 32 });
    expect(e.context.snippet).toBe('  condition: evt.type=open and proc.nobody=cat\n                               ^');
  });
  it('errors inside a folded block scalar and inside a macro', () => {
    const s = load(`- macro: m\n  condition: >\n    proc.name=a and\n    proc.pid=abc\n${rule('r', 'evt.type=open and m')}`);
    const e = s.errors[0];
    expect(e.message).toMatch(/'abc' is not a valid number/);
    expect(e.context.locations.map((l) => l.item_type)).toEqual(['rules content', 'rule', 'condition', 'macro', 'condition expression']);
    expect(e.context.locations.at(-1)).toMatchObject({ line: 4, col: 14 });
  });
  it('a syntax error, a YAML error, wrong structure: reported, never thrown', () => {
    expect(load(rule('r', 'evt.type=open and (')).errors[0].code).toBe('LOAD_ERR_COMPILE_CONDITION');
    const y = load('- rule: [unclosed\n');
    expect(y.errors[0].code).toBe('LOAD_ERR_YAML_PARSE');
    expect(load('rule: x\n').errors[0].message).toBe('Rules content is not yaml array of objects');
    expect(load('- rule: r\n  desc: d\n').errors[0].message).toBe("Item has no mapping for key 'condition'");
    expect(load('- list: l\n  items: x\n').errors[0].message).toBe("Value for key 'items' is not a sequence");
    expect(loadRuleSet(['/nonexistent/rules.yaml']).errors[0].code).toBe('LOAD_ERR_FILE_READ');
  });
});

describe('files and directories', () => {
  it('a directory loads its yaml files sorted by name; later files override earlier ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sensord-rules-'));
    writeFileSync(join(dir, 'b.yaml'), '- list: l\n  items: [b]\n');
    writeFileSync(join(dir, 'a.yaml'), '- list: l\n  items: [a]\n' + rule('r', 'evt.type=open and proc.name in (l)'));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const s = loadRuleSet([dir]);
    expect(s.files.map((f) => f.split('/').pop())).toEqual(['a.yaml', 'b.yaml']);
    expect(s.rules[0].expandedCondition).toBe('evt.type = open and proc.name in (b)');
  });
  it('validate: exit 1 and JSON load result on errors; --dump-js prints the generated code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sensord-rules-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, rule('r', 'evt.type=open and proc.nobody=x'));
    const out: string[] = [];
    expect(runRulesValidate([bad], { json: true }, (s) => out.push(s))).toBe(1);
    const j = JSON.parse(out.join('\n'));
    expect(j.falco_load_results[0].successful).toBe(false);
    expect(j.falco_load_results[0].errors[0].code).toBe('LOAD_ERR_COMPILE_CONDITION');
    const good = join(dir, 'good.yaml');
    writeFileSync(good, rule('r', 'evt.type=open and proc.name=x'));
    const out2: string[] = [];
    expect(runRulesValidate([good], { dumpJs: true }, (s) => out2.push(s))).toBe(0);
    expect(out2.join('\n')).toContain('return function match(ctx)');
    // Then the function the engine runs for open events (both directions), with evt.type folded away.
    const group = out2.join('\n').slice(out2.join('\n').indexOf('// event types'));
    expect(group).toMatch(/^\/\/ event types open \(2 event ids\): 1 rule\(s\): 'r'\n/);
    expect(group).toContain('return function judge(ctx, from, onError)');
    expect(group).not.toContain('"open"');
  });
});
