// The Dockerfile is checked, not built (no Docker engine here): every path it copies from the build context
// exists, and the build steps name targets and files that exist in this repository.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';

const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');

describe('Dockerfile', () => {
  it('copies only paths that exist in the build context', () => {
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].map((m) => m[1].trim().split(/\s+/).slice(0, -1)).flat();
    expect(copies.length).toBeGreaterThan(3);
    for (const src of copies) expect(existsSync(path.join(REPO_ROOT, src)), src).toBe(true);
  });

  it('builds the native target the Makefile defines and runs the CLI entry point', () => {
    const makefile = readFileSync(path.join(REPO_ROOT, 'native', 'Makefile'), 'utf8');
    expect(dockerfile).toMatch(/make -C native .*build\/libsensord\.so/);
    expect(makefile).toMatch(/^\$\(BUILD\)\/libsensord\.so:/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "/opt/sensord/bin/sensord.js"]');
    expect(existsSync(path.join(REPO_ROOT, 'bin', 'sensord.js'))).toBe(true);
    expect(existsSync(path.join(REPO_ROOT, 'package-lock.json'))).toBe(true);
  });
});
