// What the enrichment stage reads from an OCI runtime spec (config.json as containerd stores it, or the runtimeSpec
// in a CRI verbose status): the mounts, and whether the container is privileged.
import type { MountInfo } from '../types.js';

/** The parts of an OCI runtime spec read here (runtime-spec config.md / config-linux.md); everything optional. */
export interface OciSpec {
  mounts?: Array<{ destination?: string; source?: string; type?: string; options?: string[] }>;
  process?: { capabilities?: { bounding?: string[]; effective?: string[] } };
  linux?: { maskedPaths?: string[]; readonlyPaths?: string[] };
  annotations?: Record<string, string>;
}

const PROPAGATION = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable']);

/** Mount options as the mode (`rbind,rprivate,ro`), read-only when `ro` is among them, the last propagation option. */
export function mountFromOptions(source: string, dest: string, options: readonly string[] | undefined): MountInfo {
  const opts = options ?? [];
  let propagation = '';
  for (const o of opts) if (PROPAGATION.has(o)) propagation = o;
  return { source, dest, mode: opts.join(','), readWrite: !opts.includes('ro'), propagation };
}

/** Every mount of the spec, in order (proc, /dev, … included: the runtime mounts them all). */
export function mountsFromSpec(spec: OciSpec | undefined): MountInfo[] {
  return (spec?.mounts ?? []).map((m) => mountFromOptions(m.source ?? '', m.destination ?? '', m.options));
}

/**
 * Privileged, judged from the spec alone: CAP_SYS_ADMIN in the bounding set AND no masked paths. Every runtime's
 * privileged mode (CRI `privileged: true`, `ctr run --privileged`, docker/nerdctl `--privileged`) grants all
 * capabilities and clears linux.maskedPaths; their unprivileged defaults always mask /proc/kcore and friends, and
 * `--cap-add SYS_ADMIN` alone keeps the masks — so neither half alone is enough.
 */
export function privilegedFromSpec(spec: OciSpec | undefined): boolean {
  if (!spec) return false;
  const bounding = spec.process?.capabilities?.bounding ?? [];
  const masked = spec.linux?.maskedPaths ?? [];
  return bounding.includes('CAP_SYS_ADMIN') && masked.length === 0;
}

/** Parses spec JSON (bytes or text); undefined when it is not a JSON object. */
export function parseSpec(json: Uint8Array | string | undefined): OciSpec | undefined {
  if (json === undefined || json.length === 0) return undefined;
  try {
    const v: unknown = JSON.parse(typeof json === 'string' ? json : Buffer.from(json).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as OciSpec) : undefined;
  } catch {
    return undefined;
  }
}
