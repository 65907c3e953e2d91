// Every operator on its field types, as libsinsp compares (filter_compare.cpp): typed equality, numeric and string
// order, substring/prefix/suffix, glob, regex (whole value), in/intersects/pmatch, exists, multi-value fields,
// missing values, and the type checks that reject an operator a field type does not support.
import { describe, expect, it } from 'vitest';
import { compile, matches } from '../compiler/harness.js';
import { OPERATORS, operator } from '../../../sensor/src/rules/operators/index.js';
import { globToRegExp, prefixMatcher, parseNet, inNet, parseNumber } from '../../../sensor/src/rules/operators/index.js';

describe('operator registry', () => {
  it('has one entry per operator of the grammar', () => {
    const names = OPERATORS.map((o) => o.name).sort();
    expect(names).toEqual(['!=', '<', '<=', '=', '>', '>=', 'bcontains', 'bstartswith', 'contains', 'endswith', 'exists', 'glob', 'icontains', 'iglob', 'in', 'intersects', 'pmatch', 'regex', 'startswith'].sort());
    expect(operator('==')).toBe(operator('='));
  });
});

describe('string operators', () => {
  const v = { 'proc.name': 'bash', 'proc.cmdline': 'bash -c "Echo hi"', 'fd.name': '/etc/shadow' };
  it.each([
    ['proc.name = bash', true], ['proc.name == bash', true], ['proc.name = sh', false], ['proc.name != sh', true], ['proc.name != bash', false],
    ['proc.cmdline contains Echo', true], ['proc.cmdline contains echo', false], ['proc.cmdline icontains ECHO', true],
    ['proc.name startswith ba', true], ['proc.name startswith sh', false], ['proc.name endswith sh', true], ['proc.name endswith ba', false],
    ['fd.name glob /etc/*', true], ['fd.name glob /etc/sh?dow', true], ['fd.name glob /etc/[st]hadow', true], ['fd.name glob /var/*', false],
    ['fd.name iglob /ETC/*', true], ['fd.name glob /ETC/*', false],
    ['fd.name regex "/etc/(shadow|passwd)"', true], ['fd.name regex "shadow"', false], ['fd.name regex ".*shadow"', true],
    ['proc.name in (sh, bash)', true], ['proc.name in (sh, zsh)', false], ['proc.name in ()', false],
    ['proc.name intersects (bash)', true],
    ['fd.name pmatch (/etc, /usr)', true], ['fd.name pmatch (/et)', false], ['fd.name pmatch (/etc/shadow)', true], ['fd.name pmatch (/)', true],
    ['proc.name exists', true], ['proc.pname exists', false],
  ])('%s → %s', (cond, want) => expect(matches(cond, v)).toBe(want));
});

describe('order operators on strings', () => {
  it('take only numbers as literals (libsinsp grammar) but compare strings through val()', () => {
    expect(() => compile('proc.name < bz')).toThrow(/expected a number value/);
    expect(matches('proc.name < val(proc.pname)', { 'proc.name': 'bash', 'proc.pname': 'sshd' })).toBe(true);
    expect(matches('proc.name >= val(proc.pname)', { 'proc.name': 'bash', 'proc.pname': 'sshd' })).toBe(false);
  });
});

describe('numeric operators', () => {
  const v = { 'proc.pid': 42, 'evt.rawres': -2, 'thread.cap_effective': 0xffff_ffff_ffffn, 'fd.sport': 443 };
  it.each([
    ['proc.pid = 42', true], ['proc.pid = 0x2a', true], ['proc.pid != 42', false], ['proc.pid > 41', true], ['proc.pid >= 42', true],
    ['proc.pid < 42', false], ['proc.pid <= 42', true], ['evt.rawres < 0', true], ['evt.rawres = -2', true],
    ['proc.pid in (1, 42)', true], ['proc.pid in (1, 2)', false],
    ['thread.cap_effective = 0xffffffffffff', true], ['thread.cap_effective > 0', true],
    ['fd.sport = 443', true], ['fd.sport in (80, 443)', true],
  ])('%s → %s', (cond, want) => expect(matches(cond, v)).toBe(want));

  it('rejects a value that is not a number', () => {
    expect(() => compile('proc.pid = abc')).toThrow(/'abc' is not a valid number/);
  });
  it('parses decimal, hex, float and huge integers', () => {
    expect(parseNumber('0x10')).toBe(16);
    expect(parseNumber('-3')).toBe(-3);
    expect(parseNumber('1.5')).toBe(1.5);
    expect(parseNumber('18446744073709551615')).toBe(18446744073709551615n);
  });
});

describe('bool, ip and network operators', () => {
  it('bool = true/false', () => {
    expect(matches('evt.is_open_read = true', { 'evt.is_open_read': true })).toBe(true);
    expect(matches('evt.is_open_read = false', { 'evt.is_open_read': true })).toBe(false);
    expect(matches('evt.is_open_read != false', { 'evt.is_open_read': true })).toBe(true);
    expect(() => compile('evt.is_open_read = maybe')).toThrow(/not a valid boolean/);
  });
  it('ipaddr equality and in', () => {
    expect(matches('fd.sip = 10.0.0.1', { 'fd.sip': '10.0.0.1' })).toBe(true);
    expect(matches('fd.sip in (10.0.0.2, 10.0.0.1)', { 'fd.sip': '10.0.0.1' })).toBe(true);
    expect(() => compile('fd.sip = nope')).toThrow(/not a valid IP address/);
    expect(() => compile('fd.sip contains 10')).toThrow(/'contains' operator not supported for ip address and network filters/);
  });
  it('ipnet fields match by CIDR (fd.net)', () => {
    expect(matches('fd.net = 10.0.0.0/8', { 'fd.net': ['192.168.1.1', '10.2.3.4'] })).toBe(true);
    expect(matches('fd.net in (172.16.0.0/12, 192.168.0.0/16)', { 'fd.net': ['192.168.1.1'] })).toBe(true);
    expect(matches('fd.net = 10.0.0.0/8', { 'fd.net': ['192.168.1.1'] })).toBe(false);
    expect(inNet(parseNet('2001:db8::/32'), '2001:db8::1')).toBe(true);
    expect(inNet(parseNet('2001:db8::/32'), '2001:db9::1')).toBe(false);
  });
  it('multi-value fields match when any value matches; != only when none equals', () => {
    const v = { 'fd.ip': ['10.0.0.5', '93.184.216.34'], 'fd.port': ['40000', '443'] };
    expect(matches('fd.ip = 93.184.216.34', v)).toBe(true);
    expect(matches('fd.ip != 93.184.216.34', v)).toBe(false);
    expect(matches('fd.ip != 1.1.1.1', v)).toBe(true);
    expect(matches('fd.port = 443', v)).toBe(true);
    expect(matches('fd.port in (22, 80)', v)).toBe(false);
    expect(matches('fd.port > 1000', v)).toBe(true);
  });
});

describe('buffer operators', () => {
  const v = { 'evt.buffer': '\x7fELF...' };
  it('bcontains/bstartswith take hex', () => {
    expect(matches('evt.buffer bstartswith 7f454c46', v)).toBe(true);
    expect(matches('evt.buffer bcontains 454c46', v)).toBe(true);
    expect(matches('evt.buffer bcontains 00', v)).toBe(false);
    expect(() => compile('evt.buffer bcontains xyz')).toThrow(/not a valid hex string/);
  });
  it('glob is not a buffer operator', () => {
    expect(() => compile('evt.buffer glob x*')).toThrow(/'glob' operator not supported for buffer filters/);
  });
});

describe('missing values (<NA>)', () => {
  it('never match, whatever the operator, except that exists is false', () => {
    for (const cond of ['proc.name = bash', 'proc.name != bash', 'proc.name in (bash)', 'proc.name contains a', 'proc.pid > 0', 'proc.name exists']) {
      expect(matches(cond, {}), cond).toBe(false);
    }
    expect(matches('not proc.name exists', {})).toBe(true);
    expect(matches('not proc.name = bash', {})).toBe(true);
  });
});

describe('operator type checks', () => {
  it.each([
    ['proc.pid contains 4', "'contains' operator not supported for numeric filters"],
    ['proc.pid glob 4*', "'glob' operator not supported for numeric filters"],
    ['evt.is_open_read > 0', "'>' operator not supported for numeric filters"],
    ['fd.sip startswith 10', "'startswith' operator not supported for ip address and network filters"],
  ])('%s', (cond, msg) => expect(() => compile(cond)).toThrow(msg));
});

describe('helpers', () => {
  it('glob: * crosses /, ? one char, classes and escapes', () => {
    expect(globToRegExp('/etc/*', false).test('/etc/a/b')).toBe(true);
    expect(globToRegExp('a?c', false).test('abc')).toBe(true);
    expect(globToRegExp('[!a]bc', false).test('xbc')).toBe(true);
    expect(globToRegExp('[!a]bc', false).test('abc')).toBe(false);
    expect(globToRegExp('a\\*', false).test('a*')).toBe(true);
    expect(globToRegExp('a\\*', false).test('ab')).toBe(false);
  });
  it('pmatch prefix table: a prefix matches itself and what is below it', () => {
    const m = prefixMatcher(['/usr/bin', '/opt/']);
    expect(m('/usr/bin')).toBe(true);
    expect(m('/usr/bin/ls')).toBe(true);
    expect(m('/usr/binx')).toBe(false);
    expect(m('/opt/x/y')).toBe(true);
    expect(m('/usr')).toBe(false);
  });
  it('regex is anchored at both ends (RE2 ANCHOR_BOTH) and refuses non-RE2 syntax', () => {
    expect(matches('proc.name regex "ba"', { 'proc.name': 'bash' })).toBe(false);
    expect(matches('proc.name regex "ba.*"', { 'proc.name': 'bash' })).toBe(true);
    expect(() => compile('proc.name regex "(a)\\\\1"')).toThrow(/not RE2 syntax/);
  });
});
