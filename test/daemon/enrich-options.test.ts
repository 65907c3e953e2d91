// The enrichment flags → the metadata store's sources: what `run` and `capture` turn on from flags and environment.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { enrichmentFrom } from '../../sensor/src/daemon/enrich-options.js';
import { CRI_SOCKETS } from '../../sensor/src/enrich/types.js';
import { addRunCommand } from '../../sensor/src/daemon/cli.js';
import { Command } from 'commander';

const noop = () => undefined;
const saved = process.env.KUBERNETES_SERVICE_HOST;

afterEach(() => {
  if (saved === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
  else process.env.KUBERNETES_SERVICE_HOST = saved;
});

describe('enrichmentFrom', () => {
  it("--cri-socket's help names the sockets tried, in order", () => {
    const program = new Command();
    addRunCommand(program);
    const help = program.commands.find((c) => c.name() === 'run')!.helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain(`first of ${CRI_SOCKETS.join(', ')} that exists`);
  });

  it('with no runtime and no cluster there is nothing to ask: no store', async () => {
    delete process.env.KUBERNETES_SERVICE_HOST;
    expect(await enrichmentFrom({ runtime: false }, noop)).toBeNull();
  });

  it('a kubeconfig turns the pod watch on; `use.pods: false` (capture) leaves it out, also in a cluster', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sensord-kube-'));
    const kubeconfig = path.join(dir, 'config');
    // A cluster on loopback that nothing serves: sources connect lazily, so nothing is dialled here.
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: c',
      'clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: k, user: u}}]', '',
    ].join('\n'));
    const withPods = await enrichmentFrom({ runtime: false, kubeconfig, k8sNode: 'n1' }, noop);
    expect(withPods?.pods).not.toBeNull();
    expect(withPods?.describe).toContain('Kubernetes pods of node n1');
    await withPods?.store.close();
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    expect(await enrichmentFrom({ runtime: false, kubeconfig }, noop, { pods: false })).toBeNull();
    rmSync(dir, { recursive: true, force: true });
  });
});
