// `sensord run` enrichment flags → the metadata store: the container runtime (CRI, then containerd's own API)
// over its unix socket, the Kubernetes pod watch, and the bounded wait for first-seen containers.
//   --cri-socket PATH        CRI RuntimeService socket (default: the first of the usual sockets that exists)
//   --containerd-socket PATH containerd's own API, for containers CRI does not manage (default: the CRI socket
//                            when it is containerd's) and for lifecycle events
//   --containerd-namespace NS   (repeatable; default k8s.io and default)
//   --no-runtime             no runtime lookups
//   --kubeconfig PATH / --k8s   pod watch from a kubeconfig, or in-cluster (auto when KUBERNETES_SERVICE_HOST is set)
//   --k8s-node NAME          this node's name (default $NODE_NAME, else the hostname)
//   --metadata-wait MS       longest wait of an event for its container's metadata (default 500; 0: never wait)
import { existsSync } from 'node:fs';
import os from 'node:os';
import { EngineError } from '../rules/engine/index.js';
import { MetadataStore } from '../enrich/store.js';
import { ChainRuntime } from '../enrich/chain.js';
import { CRI_SOCKETS, type PodSource, type RuntimeSource } from '../enrich/types.js';

export interface EnrichFlags {
  criSocket?: string;
  containerdSocket?: string;
  containerdNamespace?: string[];
  /** commander's --no-runtime */
  runtime?: boolean;
  kubeconfig?: string;
  k8s?: boolean;
  k8sNode?: string;
  metadataWait?: string;
  metadataMaxContainers?: string;
}


export interface EnrichSetup {
  store: MetadataStore;
  /** What was configured, for the startup log. */
  describe: string;
  pods: PodSource | null;
}

function nonNegative(v: string | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new EngineError('EOPTION', `${flag}: expected a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * The store from the flags, or null when no source is configured or found (container.* fields other than the id
 * then give <NA>, and nothing waits). Sources connect lazily: a runtime that is down only costs failed lookups.
 * `use.pods: false` leaves the Kubernetes watch out even in a cluster (a capture's container events hold only what
 * the runtime says).
 */
export async function enrichmentFrom(flags: EnrichFlags, onError: (what: string, e: unknown) => void, use: { pods?: boolean } = {}): Promise<EnrichSetup | null> {
  const waitMs = nonNegative(flags.metadataWait, '--metadata-wait', 500);
  const maxContainers = nonNegative(flags.metadataMaxContainers, '--metadata-max-containers', 8192);
  const runtimes: RuntimeSource[] = [];
  const parts: string[] = [];
  if (flags.runtime !== false) {
    const cri = flags.criSocket ?? CRI_SOCKETS.find((p) => existsSync(p));
    const { CriRuntime, ContainerdRuntime } = await import('../enrich/runtime/index.js');
    if (cri !== undefined) {
      if (flags.criSocket !== undefined && !existsSync(flags.criSocket.replace(/^unix:\/\//, ''))) {
        throw new EngineError('EOPTION', `--cri-socket: ${flags.criSocket} does not exist`);
      }
      runtimes.push(new CriRuntime({ address: cri, onError }));
      parts.push(`CRI at ${cri}`);
    }
    const ctrd = flags.containerdSocket ?? (cri !== undefined && /containerd\.sock$/.test(cri) ? cri : undefined);
    if (ctrd !== undefined) {
      const namespaces = flags.containerdNamespace ?? ['k8s.io', 'default'];
      runtimes.push(new ContainerdRuntime({ address: ctrd, namespaces, onError }));
      parts.push(`containerd at ${ctrd} (namespaces ${namespaces.join(', ')})`);
    }
  }
  let pods: PodSource | null = null;
  const inCluster = process.env.KUBERNETES_SERVICE_HOST !== undefined;
  if (use.pods !== false && (flags.kubeconfig !== undefined || flags.k8s === true || inCluster)) {
    const node = flags.k8sNode ?? process.env.NODE_NAME ?? os.hostname();
    const { KubePodSource } = await import('../enrich/k8s/index.js');
    const access = flags.kubeconfig !== undefined ? { kind: 'kubeconfig' as const, path: flags.kubeconfig }
      : inCluster ? { kind: 'in-cluster' as const } : { kind: 'default' as const };
    pods = new KubePodSource({ node, access, onError });
    parts.push(`Kubernetes pods of node ${node} (${flags.kubeconfig ?? (inCluster ? 'in-cluster' : 'default kubeconfig')})`);
  }
  if (runtimes.length === 0 && pods === null) return null;
  const runtime = runtimes.length === 0 ? null : runtimes.length === 1 ? runtimes[0] : new ChainRuntime(runtimes);
  const store = new MetadataStore({ runtime, pods, waitMs, maxContainers, onError });
  return { store, pods, describe: `${parts.join('; ')}; events wait up to ${waitMs} ms for a new container` };
}
