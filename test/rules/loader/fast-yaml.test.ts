// The YAML fast path (fast-yaml.ts) against the `yaml` package it stands in for: on every rules file we have,
// on hand-written tricky snippets and on seeded random rules-shaped documents, it either declines (null) or
// returns the same tree — kinds, values, styles, flow flags and all three range offsets. Then end to end: loading
// Falco's rules with the fast path on and off gives the same rules, errors and warnings (with file:line:col).
import { describe, expect, it, afterEach } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, isSeq } from 'yaml';
import { fastParseYaml, lineStartsOf } from '../../../sensor/src/rules/loader/fast-yaml.js';
import { useFastYaml } from '../../../sensor/src/rules/loader/read.js';
import { linePos } from '../../../sensor/src/rules/loader/yaml-nodes.js';
import { loadRuleSet, loadRuleSetFromTexts, type LoadedRuleSet } from '../../../sensor/src/rules/loader/index.js';
import { REPO_ROOT, skipWithoutShared, sharedPath } from '../../helpers/shared.js';

/** A plain projection of a yaml node tree. */
function proj(n: unknown): unknown {
  if (n === null || n === undefined) return { k: String(n) };
  if (isMap(n)) return { k: 'map', r: n.range, flow: n.flow === true, items: n.items.map((p) => ({ key: proj(p.key), value: proj(p.value) })) };
  if (isSeq(n)) return { k: 'seq', r: n.range, flow: n.flow === true, items: n.items.map(proj) };
  if (isScalar(n)) {
    const v = typeof n.value === 'number' ? `number:${Object.is(n.value, -0) ? '-0' : String(n.value)}` : n.value;
    return { k: 'scalar', v, type: n.type, r: n.range, source: n.source, format: n.format, mfd: n.minFractionDigits };
  }
  return { k: 'other' };
}

/** null when the fast path declines; otherwise asserts yaml parses without errors and both trees are equal. */
function differential(text: string, label: string): boolean {
  const fast = fastParseYaml(text);
  if (fast === null) return false;
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, strict: false });
  expect(doc.errors.map((e) => e.message), `${label}: yaml reports errors but the fast path accepted it`).toEqual([]);
  expect(proj(fast), label).toEqual(proj(doc.contents));
  return true;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(f)) out.push(p);
  }
  return out;
}

const skip = skipWithoutShared('fast-yaml corpus');
const FALCO_DIR = sharedPath('corpus', 'falco-rules');
const FALCO = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map((f) => path.join(FALCO_DIR, f));

describe('fast-yaml: rules files', () => {
  const files = [...(skip ? [] : yamlFiles(FALCO_DIR)), ...yamlFiles(path.join(REPO_ROOT, 'rules')), ...yamlFiles(path.join(REPO_ROOT, 'test', 'fixtures'))];

  it('every rules file: same tree as yaml, or declined; Falco\'s three take the fast path', () => {
    const taken: string[] = [];
    for (const f of files) if (differential(readFileSync(f, 'utf8'), f)) taken.push(f);
    console.log(`fast-yaml: ${taken.length}/${files.length} rules files take the fast path`);
    if (!skip) for (const f of FALCO) expect(taken).toContain(f);
  });

  it('line starts match what yaml reports to a LineCounter', () => {
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const lc = new LineCounter();
      parseDocument(text, { lineCounter: lc });
      expect(lineStartsOf(text), f).toEqual(lc.lineStarts);
    }
    for (const text of ['', 'a', '- a\n', '- a\n\n', '\n\n- a']) {
      const lc = new LineCounter();
      parseDocument(text, { lineCounter: lc });
      expect(lineStartsOf(text), JSON.stringify(text)).toEqual(lc.lineStarts);
    }
  });

  it("linePos gives yaml's LineCounter positions at every offset", () => {
    for (const f of files.slice(0, 6)) {
      const text = readFileSync(f, 'utf8');
      const lc = new LineCounter();
      parseDocument(text, { lineCounter: lc });
      const starts = lineStartsOf(text);
      for (let off = 0; off <= text.length; off += 7) expect(linePos(starts, off), `${f}@${off}`).toEqual(lc.linePos(off));
    }
  });

  it('loading rules files the fast path takes does not load the yaml package (its cold import is ~25 ms)', () => {
    const loader = path.join(REPO_ROOT, 'dist', 'sensor', 'src', 'rules', 'loader', 'index.js');
    const script = `const m = await import(${JSON.stringify(loader)});
      const set = m.loadRuleSet(${JSON.stringify(skip ? [path.join(REPO_ROOT, 'rules')] : [FALCO[0], path.join(REPO_ROOT, 'rules')])});
      const { createRequire } = await import('node:module');
      const cache = createRequire(import.meta.url).cache;
      console.log(JSON.stringify({ rules: set.rules.length, errors: set.errors.length, yaml: Object.keys(cache).some((k) => k.includes('/node_modules/yaml/')) }));`;
    const r = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { rules: number; errors: number; yaml: boolean };
    expect(r.errors).toBe(0);
    expect(r.rules).toBeGreaterThan(25);
    expect(r.yaml).toBe(false);
  });
});

// Snippets the fast path must handle (and get right).
const HANDLED: Record<string, string> = {
  'literal': '- rule: r\n  condition: |\n    a\n      b\n    c\n  output: o\n',
  'literal strip': '- rule: r\n  condition: |-\n    a\n    b\n\n\n  output: o\n',
  'literal keep': '- rule: r\n  condition: |+\n    a\n    b\n\n\n  output: o\n',
  'literal keep at eof': '- rule: r\n  condition: |+\n    a\n\n  \n',
  'folded': '- rule: r\n  condition: >\n    a\n    b\n\n    c\n  output: o\n',
  'folded strip': '- rule: r\n  condition: >-\n    a\n    b\n\n',
  'folded keep': '- rule: r\n  condition: >+\n    a\n\n\n- rule: s\n',
  'folded explicit indent': '- rule: r\n  condition: >2\n     more\n    base\n    base\n',
  'literal explicit indent and strip': '- rule: r\n  condition: |1-\n     x\n    y\n',
  'folded more-indented lines': '- macro: m\n  condition: >\n    a\n    b\n\n      indented\n      more\n    c\n\n      again\n    d\n\n\n',
  'block leading blank lines': '- macro: m\n  condition: >\n\n\n    a\n    b\n',
  'block with header comment': '- macro: m\n  condition: >  # note\n    a\n',
  'block then trailing spaces lines': '- macro: m\n  condition: |\n    a\n      \n   \n  output: o',
  'empty block scalar': '- macro: m\n  condition: |\n  output: o\n',
  'block at eof without newline': '- macro: m\n  condition: >-\n    a\n    b',
  'block with hash lines': '- macro: m\n  condition: |\n    a\n    # not a comment\n    b\n',
  'quoted escapes': '- rule: r\n  output: "a\\tb \\u00e9 \\x41 \\\\ \\"q\\" \\U0001F600 %proc.name"\n  desc: \'it\'\'s "x"\'\n',
  'quoted multi-line': '- rule: r\n  desc: "a\n    b  \n\n    c \\\n    d"\n  output: \'x\n     y\n\n     z\'\n',
  'plain multi-line': '- rule: r\n  desc: a very\n    long\n\n    text with:colons:inside, a#hash and [brackets]\n  output: o\n',
  'plain multi-line seq item': '- a\n  b\n   c\n- d\n',
  'flow over lines with comments': '- list: l\n  items: [\n    a, b, # c\n    # full line\n    "c d",\n\n    \'e f\'\n    ]\n',
  'flow nested and trailing comma': '- rule: r\n  exceptions:\n    - name: e\n      fields: [proc.name, fd.name]\n      values: [[a, b], [c, "d e"],]\n',
  'flow empty': '- list: l\n  items: []\n- list: m\n  items: [ ]\n',
  'flow multi-line plain item': '- list: l\n  items: [a\n    b, c]\n',
  'empty values': '- rule: r\n  enabled:\n  desc: d\n- rule: s\n  enabled:',
  'seq at the key\'s indent': '- rule: x\n  tags:\n  - a\n  - b\n  desc: d\n',
  'nested maps and seqs': '- required_plugin_versions:\n    - name: container\n      version: 0.4.0\n      alternatives:\n        - name: k8s\n          version: 0.1.0\n- rule: r\n',
  'comments everywhere': '# head\n\n- rule: r  # after key value\n  # at map indent\n  desc: d\n      # more indented: attaches to d\n\n# col 0\n  tags: [a] # after flow\n     # attaches to the flow seq\n  # trailing at map indent\n# trailing col 0\n',
  'trailing comments kept by nested collections': '- rule: r\n  items:\n    - a\n    # at seq indent\n  # at map indent\n- rule: s\n  items:\n  - a\n  # same\n',
  'document start': '# c\n---\n- rule: r\n',
  'duplicate keys (yaml keeps both with uniqueKeys: false)': '- rule: a\n  rule: b\n',
  'core schema scalars': '- a: 1\n  b: -2.50\n  c: TRUE\n  d: ~\n  e: 0x1f\n  f: 1e3\n  g: .inf\n  h: 0o17\n  i: null\n  j: -0\n  k: 007\n  l: .NaN\n  m: yes\n  1: key\n  true: key\n',
  'no newline at eof': '- rule: r\n  desc: d',
  'trailing spaces': '- rule: r   \n  desc: "d"   \n  tags: [a]   \n   ',
  'extra spaces after dash': '-   rule: r\n    desc: d\n',
  'scalar value on the next line': '- rule: r\n  desc:\n    a long\n    desc\n  output: o\n',
};

// Snippets the fast path may decline; if it accepts one, the tree must still be yaml's.
const OTHER: Record<string, string> = {
  'CRLF': '- rule: r\r\n  desc: d\r\n  condition: >\r\n    a\r\n    b\r\n',
  'tabs': '- rule: r\n\tdesc: d\n',
  'tab in value': '- rule: r\n  desc: a\tb\n',
  'anchor and alias': '- &a rule: x\n- *a\n',
  'tag': '- rule: !!str 1\n',
  'flow map': '- rule: {a: 1}\n',
  'complex key': '- ? a\n  : b\n',
  'quoted key': '- "rule": x\n',
  'nested mapping on one line': '- rule: a: b\n',
  'colon in multi-line plain': '- rule: r\n  desc: foo\n    bar: baz\n',
  'top-level map': 'a: 1\n',
  'empty': '',
  'comments only': '# c\n',
  'bad indent': '- a: b\n c: d\n',
  'multi-doc': '- a\n---\n- b\n',
  'directive': '%YAML 1.2\n---\n- a\n',
  'invalid escape': '- a: "\\q"\n',
  'block indicator 0': '- a: |0\n  x\n',
  'unterminated flow': '- a: [b, c\n',
  'unterminated quote': '- a: "b\n',
  'empty flow item': '- a: [b,,c]\n',
  'under-indented flow line': '- rule: r\n  items: [a,\n b]\n',
  'under-indented quoted line': '- rule: r\n  desc: "a\n b"\n',
  'key then comment then value': '- rule: # c\n    x\n',
  'blank then comment before a next-line scalar': '- a:\n\n#\n    k\n  b: 1\n',
  'empty value then comment': '- a:\n  # c\n  b: 1\n',
  'document end marker': '- a\n...\n',
  'bom': '\ufeff- a\n',
  'seq item with nested seq': '- - a\n  - b\n',
  'dash alone': '-\n  a: 1\n',
  'more-indented content after value': '- a: b\n    c: d\n',
};

describe('fast-yaml: snippets', () => {
  it.each(Object.entries(HANDLED))('handles %s', (name, text) => {
    expect(fastParseYaml(text), name).not.toBeNull();
    expect(differential(text, name)).toBe(true);
  });
  it.each(Object.entries(OTHER))('%s: same tree or declined', (name, text) => {
    differential(text, name);
  });
  it('declines CRLF, tabs, anchors, tags, flow maps, complex keys and yaml errors', () => {
    for (const k of ['CRLF', 'tabs', 'anchor and alias', 'tag', 'flow map', 'complex key', 'nested mapping on one line', 'invalid escape', 'unterminated flow']) {
      expect(fastParseYaml(OTHER[k]), k).toBeNull();
    }
  });
});

// ---- seeded random rules-shaped documents ----

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
}

/** A random rules-like document; `clean` avoids most constructs the fast path declines. */
function randomDoc(seed: number, clean: boolean): string {
  const R = rng(seed);
  const BAD = new Set(['a:b', 'key: v', '- x', 'c:', '{y}', 'b]', '*a', '&a', '!t', '@x', '`x', '|x', '>x', '[x]', 'a, b', 'x: y', '{m}', '*r', '-', ',,', '|0', '>--', '\\q']);
  const pick0 = <T>(a: readonly T[]): T => a[Math.floor(R() * a.length)];
  const pick = <T>(a: readonly T[]): T => {
    if (!clean) return pick0(a);
    for (let i = 0; i < 20; i++) {
      const v = pick0(a);
      if (!BAD.has(v as string) && !(typeof v === 'number' && v < 0)) return v;
    }
    return pick0(a);
  };
  const chance = (p: number): boolean => R() < p;
  const sp = (n: number): string => ' '.repeat(Math.max(0, n));
  const words = ['a', 'foo', 'bar baz', 'proc.name', 'fd.name=/etc', 'x-y', 'true', 'False', 'null', '~', '12', '-3', '0x1F', '0o17', '1.50', '.5', '1e3',
    '.inf', '-.Inf', '.nan', 'a:b', 'a#b', 'http://x.y/z', '(evt.type in (open, openat))', "fd.typechar='f'", 'say "hi"', '%proc.name', 'k8s.ns.name',
    '"(systemd)"', 'a - b', '- x', 'key: v', 'a  b', 'NULL', 'yes', '+1', '007', '1_000', '1.', 'TRUE', 'a, b', '[x]', '{y}', 'b]', '*a', '&a', '!t', '@x',
    '`x', '|x', '>x', "'q'", 'a #b', 'c:'];
  const comment = (): string => pick(['# c', '#', '# - macro: x', '#   condition: y: z', '# [a, b]', "# 'q"]);
  const trail = (): string => (chance(0.15) ? sp(1 + Math.floor(R() * 2)) + comment() : chance(0.1) ? sp(1 + Math.floor(R() * 2)) : '');
  const trivia = (minCol: number): string => {
    let out = '';
    const k = chance(0.6) ? 0 : Math.floor(R() * 4);
    for (let i = 0; i < k; i++) {
      if (chance(0.4)) out += chance(0.2) ? sp(Math.floor(R() * 6)) + '\n' : '\n';
      else out += sp(pick([0, 0, 0, 1, 2, 3, 4, 5, 6, 8, minCol, minCol + 1, minCol + 2])) + comment() + '\n';
    }
    return out;
  };
  const sq = (): string => "'" + pick(['a', "it''s", 'a b', '', 'x: y', 'a #b', '\\n']) + "'";
  const dq = (): string => '"' + pick(['a', 'a\\"b', '\\n\\t', '\\x41\\u00e9', 'a\\\\', '', '%proc.name %fd.name', 'x: y', '\\q', '\\U0001F600', 'a  ']) + '"';
  const scalarInline = (ind: number): string => {
    const r = R();
    if (r < 0.5) return pick(words);
    if (r < 0.62) return sq();
    if (r < 0.75) return dq();
    if (r < 0.85) {
      let s = pick(words);
      const k = 1 + Math.floor(R() * 3);
      for (let i = 0; i < k; i++) s += '\n' + (chance(0.2) ? '\n' : '') + sp(ind + pick([-1, 0, 1, 2, 4])) + pick(words);
      return s;
    }
    if (r < 0.93) {
      const q = chance(0.5) ? '"' : "'";
      let s = q + pick(['a', 'b c', '']);
      const k = 1 + Math.floor(R() * 3);
      for (let i = 0; i < k; i++) s += (chance(0.3) ? '  ' : '') + '\n' + (chance(0.2) ? '\n' : '') + sp(ind + pick([-1, 0, 1, 3])) + pick(['x', 'y z', '', q === '"' ? '\\' : "''"]);
      return s + q;
    }
    return pick(words) + ' ' + pick(words);
  };
  const blockScalar = (parent: number): string => {
    const hdr = pick(['|', '>', '|-', '>-', '|+', '>+', '|2', '>1', '|-2', '>2+', '|1-', '>3', '|0', '>--', '|x']);
    let s = hdr + (chance(0.15) ? '  # hc' : chance(0.1) ? ' ' : '') + '\n';
    const base = parent + pick([1, 2, 2, 2, 3, 4]);
    if (chance(0.15)) s += chance(0.5) ? '\n' : sp(base + pick([0, 1, 3])) + '\n';
    const k = Math.floor(R() * 5);
    for (let i = 0; i < k; i++) {
      const r = R();
      if (r < 0.15) s += '\n';
      else if (r < 0.22) s += sp(base + pick([0, 2, 5])) + '\n';
      else if (r < 0.35) s += sp(base + pick([1, 2, 4])) + pick(['more', '- item', '# not comment']) + '\n';
      else if (r < 0.38) s += sp(base - 1) + 'less\n';
      else s += sp(base) + pick(['line', 'a b c', '# hash', 'key: v', '"q"']) + '\n';
    }
    if (chance(0.3)) s += pick(['\n', '\n\n', sp(base) + '\n', sp(base + 2) + '\n', sp(parent) + '\n']);
    return s;
  };
  const flow = (ind: number, depth = 0): string => {
    const k = Math.floor(R() * 5);
    const items: string[] = [];
    for (let i = 0; i < k; i++) {
      const r = R();
      if (r < 0.6) items.push(pick(['a', 'bash', 'docker.io/x', '"(systemd)"', "'q r'", '1', 'true', 'a b', 'a:b', 'a#b', '-x', '"a,b"', 'x: y', '{m}', '*r', '-', 'c ', 'null']));
      else if (r < 0.75 && depth < 2) items.push(flow(ind, depth + 1));
      else if (r < 0.85) items.push('"a\n' + sp(ind + pick([0, 1, 2])) + 'b"');
      else items.push('a\n' + sp(ind + pick([0, 1, 3])) + 'b');
    }
    let s = '[';
    for (let i = 0; i < items.length; i++) {
      if (chance(0.3)) s += '\n' + (chance(0.2) ? sp(pick([0, 2, ind])) + '# fc\n' : '') + sp(ind + pick([-1, 0, 1, 2, 4]));
      else if (i > 0 || chance(0.3)) s += ' ';
      s += items[i];
      if (chance(0.1)) s += ' # ic\n' + sp(ind + 2);
      if (i < items.length - 1) s += pick([',', ',', ' ,', ',,']);
      else if (chance(0.1)) s += ',';
    }
    if (chance(0.25)) s += '\n' + sp(ind + pick([-1, -2, 0, 2]));
    return s + pick([']', ']', ']', ' ]', '']);
  };
  const keys = ['rule', 'desc', 'condition', 'output', 'priority', 'tags', 'enabled', 'items', 'macro', 'list', 'exceptions', 'name', 'fields', 'values',
    'append', 'override', 'skip-if-unknown-filter', 'source', '1', 'true', 'null', 'a.b'];
  const value = (keyCol: number, mapIndent: number, depth: number): string => {
    const r = R();
    if (r < 0.35) return ' ' + scalarInline(keyCol + 1) + trail() + '\n';
    if (r < 0.5) return ' ' + blockScalar(mapIndent);
    if (r < 0.65) return ' ' + flow(keyCol + 1) + trail() + '\n';
    if (r < 0.72) return (chance(0.8) ? '' : '  ') + '\n';
    if (r < 0.78) return '\n' + trivia(mapIndent) + sp(keyCol + pick([1, 2, 4])) + scalarInline(keyCol + 2) + trail() + '\n';
    if (depth > 2) return ' x\n';
    if (r < 0.9) {
      const col = chance(0.35) ? mapIndent : mapIndent + pick([1, 2, 4]);
      return trail() + '\n' + trivia(mapIndent) + seq(col, depth + 1);
    }
    const col = mapIndent + pick([1, 2, 4]);
    return trail() + '\n' + trivia(mapIndent) + map(col, depth + 1, sp(col));
  };
  const map = (col: number, depth: number, firstPrefix: string): string => {
    let s = '';
    const k = 1 + Math.floor(R() * 5);
    for (let i = 0; i < k; i++) {
      s += (i === 0 ? firstPrefix : sp(col + (chance(0.03) ? pick([-1, 1]) : 0))) + pick(keys) + (chance(0.02) ? ' ' : '') + ':' + value(col, col, depth);
      s += trivia(col);
    }
    return s;
  };
  const seq = (col: number, depth: number): string => {
    let s = '';
    const k = 1 + Math.floor(R() * 4);
    for (let i = 0; i < k; i++) {
      const pre = sp(col) + '-' + sp(chance(0.85) ? 1 : pick([2, 3]));
      const r = R();
      if (r < 0.55 && depth < 3) s += map(pre.length, depth + 1, pre);
      else if (r < 0.7) s += pre + scalarInline(col + 1) + trail() + '\n';
      else if (r < 0.8) s += pre + flow(col + 1) + trail() + '\n';
      else if (r < 0.88) s += pre + blockScalar(col);
      else s += pre + scalarInline(col + 1) + '\n';
      s += trivia(col);
    }
    return s;
  };
  let doc = trivia(0);
  if (chance(0.1)) doc += '---' + (chance(0.2) ? ' # d' : '') + '\n' + trivia(0);
  doc += seq(0, 0) + trivia(0);
  if (chance(0.2)) doc = doc.replace(/\n+$/, '');
  if (chance(0.05)) doc += '   ';
  return doc;
}

describe('fast-yaml: random rules-shaped documents', () => {
  it('same tree as yaml or declined (1500 mostly-valid + 500 noisy documents)', () => {
    let taken = 0;
    for (let i = 1; i <= 2000; i++) {
      const text = randomDoc(i, i <= 1500);
      if (differential(text, `seed ${i}: ${JSON.stringify(text)}`)) taken++;
    }
    expect(taken).toBeGreaterThan(500);
  });
});

// ---- end to end ----

function snapshot(set: LoadedRuleSet): string {
  return JSON.stringify({
    rules: set.allRules.map((r) => ({ ...r, match: undefined })),
    enabled: set.rules.map((r) => r.name),
    errors: set.errors,
    warnings: set.warnings,
    requiredEngineVersion: set.requiredEngineVersion,
    requiredPlugins: set.requiredPlugins,
  });
}

function bothWays<T>(f: () => T): [T, T] {
  try {
    useFastYaml(true);
    const on = f();
    useFastYaml(false);
    const off = f();
    return [on, off];
  } finally {
    useFastYaml(true);
  }
}

describe('fast-yaml: loading rules with the fast path on and off', () => {
  afterEach(() => useFastYaml(true));

  it.skipIf(skip)("Falco's three rules files: same rules, errors and warnings", () => {
    for (const f of FALCO) expect(fastParseYaml(readFileSync(f, 'utf8')), f).not.toBeNull();
    const [on, off] = bothWays(() => loadRuleSet(FALCO));
    expect(on.errors).toEqual([]);
    expect(on.rules.length).toBeGreaterThan(20);
    expect(on.rules.map((r) => [r.name, r.expandedCondition, r.output, r.evttypes])).toEqual(off.rules.map((r) => [r.name, r.expandedCondition, r.output, r.evttypes]));
    expect(on.warnings.length).toBeGreaterThan(0);
    expect(snapshot(on)).toBe(snapshot(off));
  });

  it.skipIf(skip)('every corpus rules file alone: same result', () => {
    for (const f of yamlFiles(FALCO_DIR)) {
      const [on, off] = bothWays(() => loadRuleSet([f]));
      expect(snapshot(on), f).toBe(snapshot(off));
    }
  });

  it('errors and warnings inside block, quoted and multi-line values point at the same file:line:col', () => {
    const text = [
      '- macro: m',
      '  condition: >',
      '    evt.type = open and',
      '    proc.name in (a, b',
      '- rule: r1',
      '  desc: d',
      '  condition: |',
      '    evt.type = open',
      '      and fd.nme = /etc',
      '  output: "o %proc.nam"',
      '  priority: WARNING',
      '  unknown_key: 1',
      '- rule: r2',
      '  desc: d',
      '  condition: evt.type = open and',
      '    proc.name = x and',
      '',
      '    fd.name = /tmp and nope.field = 1',
      '  output: o',
      '  priority: NOPE',
      '- list: bad-name',
      '  items: [a, "b c",',
      '    # comment',
      '    d]',
      '- rule: r3',
      '  desc: d',
      "  condition: 'evt.type = open and fd.name = ''x'' and'",
      '  output: o %proc.name',
      '  priority: INFO',
      '  exceptions:',
      '  - name: e',
      '    fields: [proc.name, fd.nam]',
      '    values: [[a, b]]',
      '- something: else',
      '',
    ].join('\n');
    expect(fastParseYaml(text)).not.toBeNull();
    const [on, off] = bothWays(() => loadRuleSetFromTexts([{ file: 'x.yaml', text }]));
    expect(on.errors.length + on.warnings.length).toBeGreaterThan(3);
    expect(snapshot(on)).toBe(snapshot(off));
  });
});
