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

  it('builds the bundle bin/sensord.js runs (dist/sensord.cjs and its code cache) with what the build stage has', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build:ts']).toContain('node scripts/bundle.mjs');
    const build = dockerfile.indexOf('npm run build:ts');
    expect(build).toBeGreaterThan(0);
    // The bundle step runs the built CLI over rules/ to record the code cache: both must be in the stage by then.
    for (const dir of ['scripts/', 'rules/', 'bin/', 'sensor/']) {
      const copy = dockerfile.indexOf(`COPY ${dir} `);
      expect(copy, dir).toBeGreaterThan(0);
      expect(copy, dir).toBeLessThan(build);
    }
    expect(dockerfile).toMatch(/^COPY --from=build \/src\/dist\/ dist\/$/m);
  });
});
