// deploy/ is checked, not applied (no cluster here): the manifests parse, and every flag they pass to
// `sensord run` (plain manifest and Helm template) is one the CLI accepts.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../helpers/shared.js';

const runHelp = () => execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'sensord.js'), 'run', '--help']).toString();
const flagsIn = (text: string) => [...text.matchAll(/(?:^|["\s])(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]);

describe('deploy/', () => {
  it('daemonset.yaml and rbac.yaml are valid YAML with the expected kinds', () => {
    const kinds = ['daemonset.yaml', 'rbac.yaml'].flatMap((f) =>
      parseAllDocuments(readFileSync(path.join(REPO_ROOT, 'deploy', f), 'utf8')).map((d) => {
        expect(d.errors, f).toEqual([]);
        return (d.toJS() as { kind: string }).kind;
      }));
    expect(kinds).toEqual(['DaemonSet', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']);
  });

  it('every sensord flag in the manifest and the Helm template exists on `sensord run`', () => {
    const help = runHelp();
    const ds = parseAllDocuments(readFileSync(path.join(REPO_ROOT, 'deploy', 'daemonset.yaml'), 'utf8'))[0].toJS();
    const args: string[] = ds.spec.template.spec.containers[0].args;
    expect(args[0]).toBe('run');
    const template = readFileSync(path.join(REPO_ROOT, 'deploy', 'helm', 'sensord', 'templates', 'daemonset.yaml'), 'utf8');
    const flags = new Set([...args.filter((a) => a.startsWith('--')), ...flagsIn(template.slice(template.indexOf('args:')))]);
    expect(flags.size).toBeGreaterThan(5);
    for (const f of flags) expect(help, f).toContain(f + ' ');
  });
});
