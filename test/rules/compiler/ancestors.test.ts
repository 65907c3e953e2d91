// proc.aname / proc.aexe / proc.aexepath without [N] in a condition match any ancestor (libsinsp walks every
// level from the parent up); with [N] they name one level; printed without [N] they keep `extract`'s value.
// Found by the stable-rule parity check: Falco's `interactive` macro is `proc.aname=sshd …`.
import { describe, expect, it } from 'vitest';
import { compileCondition } from '../../../sensor/src/rules/compiler/index.js';
import { SourceText } from '../../../sensor/src/rules/parser/source.js';
import { FIELD_REGISTRY } from '../../../sensor/src/rules/fields/index.js';
import { world, CAT } from '../fields/helpers.js';

function matches(cond: string): boolean {
  const w = world();
  w.apply('PPME_SYSCALL_OPENAT_2_X', { fd: 3, dirfd: -100, name: '/etc/hostname', flags: 1, mode: 0, dev: 0, ino: 1n }, { tid: CAT });
  const c = compileCondition(new SourceText(cond), { lists: new Map(), macros: new Map(), usedLists: new Set(), usedMacros: new Set() }, FIELD_REGISTRY);
  w.formatter.fields.begin(w.view);
  return c.match(w.formatter.fields);
}

describe('ancestor fields without an index', () => {
  it('match any ancestor from the parent up (cat ← sh ← bash ← sshd ← systemd)', () => {
    expect(matches('proc.aname=sshd')).toBe(true);
    expect(matches('proc.aname in (nginx, systemd)')).toBe(true);
    expect(matches('proc.aname=cat')).toBe(false); // the process itself is not an ancestor
    expect(matches('proc.aexepath=/usr/sbin/sshd')).toBe(true);
    expect(matches('not proc.aname=sshd')).toBe(false);
  });

  it('with [N] name exactly one level', () => {
    expect(matches('proc.aname[3]=sshd')).toBe(true);
    expect(matches('proc.aname[2]=sshd')).toBe(false);
    expect(matches('proc.aname[0]=cat')).toBe(true);
  });
});
