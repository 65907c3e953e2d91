// Live container-runtime harness: starts a private containerd (own config, root, state and socket under a temp
// dir; CRI plugin on, no CNI, so pods use the host network), imports a tiny OCI image built here from Debian's
// busybox-static, and runs CRI pods through sensord's own CRI client. stop() removes everything it made. Suites
// skip with a message when not root or the packages are missing — except under CI=true, where they must run.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { CriRuntime } from '../../sensor/src/enrich/runtime/index.js';

const execFileP = promisify(execFile);

export const CONTAINERD_BIN = '/usr/bin/containerd';
export const CTR_BIN = '/usr/bin/ctr';
export const SHIM_BIN = '/usr/bin/containerd-shim-runc-v2';
export const RUNC_BIN = '/usr/sbin/runc';
export const BUSYBOX_BIN = '/bin/busybox';
/** The CRI namespace of containerd. */
export const K8S_NAMESPACE = 'k8s.io';
/** The image every test container (and every sandbox, as its pause image) runs. */
export const TEST_IMAGE = 'docker.io/sensord/busybox:test';
export const PAUSE_IMAGE = 'docker.io/sensord/pause:test';
const APPLETS = ['sh', 'cat', 'sleep', 'true', 'false', 'ls', 'echo', 'id', 'ps', 'env', 'mkdir', 'rm', 'touch', 'grep', 'head', 'tail'];

/** True when the ELF file has no PT_INTERP (statically linked). */
function isStaticElf(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return false; // ELF64 only
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Call at the top of a describe(): true when the suite should be skipped (throws under CI=true instead). */
export function skipWithoutContainerd(what: string): boolean {
  const reasons: string[] = [];
  if (process.getuid?.() !== 0) reasons.push('not root');
  for (const [bin, pkg] of [[CONTAINERD_BIN, 'containerd'], [CTR_BIN, 'containerd'], [SHIM_BIN, 'containerd'], [RUNC_BIN, 'runc']] as const) {
    if (!existsSync(bin)) reasons.push(`${bin} missing (apt-get install ${pkg})`);
  }
  if (!existsSync(BUSYBOX_BIN) || !isStaticElf(BUSYBOX_BIN)) reasons.push(`${BUSYBOX_BIN} is not a static busybox (apt-get install busybox-static)`);
  if (!existsSync('/sys/fs/cgroup')) reasons.push('no /sys/fs/cgroup');
  if (reasons.length === 0) return false;
  if (process.env.CI === 'true') throw new Error(`${what}: containerd tests must run in CI, but: ${reasons.join(', ')}`);
  console.warn(`SKIP ${what}: ${reasons.join(', ')}`);
  return true;
}

// ---- the OCI image, built by hand ---------------------------------------------------------------------------

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** One ustar entry: header (+ content padded to 512). mtime 0 and root ownership, so the layer is reproducible. */
function tarEntry(name: string, kind: 'file' | 'dir' | 'symlink', mode: number, content: Buffer = Buffer.alloc(0), linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long: ${name}`);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  h.write(octal(kind === 'file' ? content.length : 0, 12), 124, 12, 'ascii');
  h.write(octal(0, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(kind === 'file' ? '0' : kind === 'dir' ? '5' : '2', 156, 1, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  if (kind !== 'file' || content.length === 0) return h;
  const pad = (512 - (content.length % 512)) % 512;
  return Buffer.concat([h, content, Buffer.alloc(pad)]);
}

const tarEnd = () => Buffer.alloc(1024);

function goArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
}

export interface BuiltImage {
  /** The `docker-archive`-free OCI layout tarball for `ctr images import`. */
  tarball: string;
  /** Image id (config digest) `sha256:…`. */
  id: string;
  /** Manifest digest `sha256:…`. */
  manifestDigest: string;
}

/**
 * An OCI image layout (oci-layout, index.json, blobs) in one tar: a single uncompressed layer with /bin/busybox and
 * applet symlinks, /etc/passwd, /tmp; default command `sleep` forever (it also serves as the pause image). Every
 * name in `names` becomes an image (io.containerd.image.name annotations on the same manifest).
 */
export function buildBusyboxImage(dir: string, names: readonly string[]): BuiltImage {
  const busybox = readFileSync(BUSYBOX_BIN);
  const layer = Buffer.concat([
    tarEntry('bin/', 'dir', 0o755),
    tarEntry('bin/busybox', 'file', 0o755, busybox),
    ...APPLETS.map((a) => tarEntry(`bin/${a}`, 'symlink', 0o777, undefined, 'busybox')),
    tarEntry('dev/', 'dir', 0o755), tarEntry('proc/', 'dir', 0o755), tarEntry('sys/', 'dir', 0o755),
    tarEntry('etc/', 'dir', 0o755),
    tarEntry('etc/passwd', 'file', 0o644, Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n')),
    tarEntry('etc/group', 'file', 0o644, Buffer.from('root:x:0:\nnogroup:x:65534:\n')),
    tarEntry('root/', 'dir', 0o700), tarEntry('tmp/', 'dir', 0o1777),
    tarEnd(),
  ]);
  const layerDigest = sha256(layer);
  const config = Buffer.from(JSON.stringify({
    created: '1970-01-01T00:00:00Z', architecture: goArch(), os: 'linux',
    config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sleep', '2147483647'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'sensord test/helpers/containerd.ts (busybox-static)' }],
  }));
  const configDigest = sha256(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configDigest}`, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layer.length }],
  }));
  const manifestDigest = sha256(manifest);
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    manifests: names.map((n) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifestDigest}`, size: manifest.length,
      platform: { architecture: goArch(), os: 'linux' },
      annotations: { 'io.containerd.image.name': n, 'org.opencontainers.image.ref.name': n.slice(n.lastIndexOf(':') + 1) },
    })),
  }));
  const outer = Buffer.concat([
    tarEntry('oci-layout', 'file', 0o644, Buffer.from('{"imageLayoutVersion":"1.0.0"}')),
    tarEntry('index.json', 'file', 0o644, index),
    tarEntry('blobs/', 'dir', 0o755), tarEntry('blobs/sha256/', 'dir', 0o755),
    tarEntry(`blobs/sha256/${layerDigest}`, 'file', 0o644, layer),
    tarEntry(`blobs/sha256/${configDigest}`, 'file', 0o644, config),
    tarEntry(`blobs/sha256/${manifestDigest}`, 'file', 0o644, manifest),
    tarEnd(),
  ]);
  const tarball = path.join(dir, 'busybox-oci.tar');
  writeFileSync(tarball, outer);
  return { tarball, id: `sha256:${configDigest}`, manifestDigest: `sha256:${manifestDigest}` };
}

// ---- containerd ------------------------------------------------------------------------------------------------

function configToml(dir: string, socket: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"

[${cri}]
  sandbox_image = "${PAUSE_IMAGE}"
  # CRI asks for oom_score_adj -998 for sandboxes; not allowed below containerd's own here.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [${cri}.cni]
    bin_dir = "${dir}/cni/bin"
    conf_dir = "${dir}/cni/conf.d"
  [${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [${cri}.containerd.runtimes.runc.options]
        Root = "${dir}/runc"
`;
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Pids of processes whose command line mentions `needle` (our temp dir): the shims of our containerd. */
function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'latin1').includes(needle)) out.push(Number(e));
    } catch { /* gone */ }
  }
  return out;
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  const points: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const p = mp.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (p === dir || p.startsWith(dir + '/')) points.push(p);
  }
  return points.sort((a, b) => b.length - a.length);
}

export interface PodSpec {
  name: string;
  namespace: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  privileged?: boolean;
}

export interface ContainerSpec {
  name: string;
  command: string[];
  args?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  mounts?: Array<{ container_path: string; host_path: string; readonly?: boolean; propagation?: string }>;
  privileged?: boolean;
  /** Start it (default true). */
  start?: boolean;
}

export interface RunningPod {
  sandboxId: string;
  uid: string;
  /** The sandbox config, as CreateContainer wants it again. */
  config: Record<string, unknown>;
  cgroupParent: string;
}

/** A running private containerd. */
export class ContainerdHarness {
  /** Milliseconds from spawn until the CRI answered Version. */
  startupMs = 0;
  /** Milliseconds for the image build + import. */
  imageMs = 0;
  image!: BuiltImage;
  readonly cri: CriRuntime;
  private readonly pods: RunningPod[] = [];
  private log = '';
  private stopped = false;

  private proc: ChildProcess | undefined;

  private constructor(readonly dir: string, readonly socket: string) {
    this.cri = new CriRuntime({ address: socket, timeoutMs: 20_000 });
  }

  /** Spawns containerd on our config and waits until its CRI plugin answers. */
  private async spawnContainerd(): Promise<void> {
    rmSync(this.socket, { force: true }); // a stale socket file makes the bind fail
    const proc = spawn(CONTAINERD_BIN, ['--config', path.join(this.dir, 'config.toml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => { this.log = (this.log + d.toString()).slice(-200_000); });
    let exited: string | undefined;
    proc.once('exit', (code, sig) => { exited = `containerd exited (${code ?? sig})`; });
    await waitFor(async () => {
      if (exited) throw new Error(exited);
      if (!existsSync(this.socket)) return false;
      try {
        await this.cri.call('runtime', 'Version', { version: 'v1' }, 1000);
        return true;
      } catch (e) {
        // containerd serves, but its CRI plugin did not load: the log says why.
        if ((e as { code?: number }).code === 12) throw new Error('containerd\'s CRI plugin is not serving');
        return false;
      }
    }, 30_000, 'containerd CRI').catch((e: Error) => { throw new Error(`${e.message}\n${this.log.slice(-4000)}`); });
  }

  /** SIGTERM (then SIGKILL) to containerd, waiting for it to exit. Shims and containers live on. */
  private async killContainerd(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }

  /** Restarts containerd (same config and state; running containers survive, as on a node). */
  async restart(): Promise<void> {
    await this.killContainerd();
    await this.spawnContainerd();
  }

  get address(): string { return `unix://${this.socket}`; }

  /**
   * Starts containerd and imports the test image as TEST_IMAGE and PAUSE_IMAGE, plus TEST_IMAGE's repository at the
   * manifest digest (a pulled image has one: CRI then reports image_ref as `repo@sha256:…`).
   */
  static async start(): Promise<ContainerdHarness> {
    await reapStale();
    const dir = mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
    const socket = path.join(dir, 'containerd.sock');
    for (const d of ['root', 'state', 'opt', 'runc', 'cni/bin', 'cni/conf.d', 'logs']) mkdirSync(path.join(dir, d), { recursive: true });
    writeFileSync(path.join(dir, 'config.toml'), configToml(dir, socket));
    const h = new ContainerdHarness(dir, socket);
    try {
      const t0 = Date.now();
      await h.spawnContainerd();
      h.startupMs = Date.now() - t0;
      const t1 = Date.now();
      h.image = buildBusyboxImage(dir, [TEST_IMAGE, PAUSE_IMAGE]);
      await h.ctr('images', 'import', h.image.tarball);
      await h.ctr('images', 'tag', TEST_IMAGE, `${TEST_IMAGE.slice(0, TEST_IMAGE.lastIndexOf(':'))}@${h.image.manifestDigest}`);
      // CRI learns images from containerd's image events: wait until it has both.
      await waitFor(async () => {
        const r = await h.cri.call<{ images: Array<{ repo_tags: string[] }> }>('image', 'ListImages', {});
        const tags = new Set(r.images.flatMap((i) => i.repo_tags));
        return tags.has(TEST_IMAGE) && tags.has(PAUSE_IMAGE);
      }, 10_000, 'CRI to list the imported image');
      h.imageMs = Date.now() - t1;
      return h;
    } catch (e) {
      await h.stop();
      throw e;
    }
  }

  /** ctr against this containerd (namespace k8s.io unless `-n` is given first). */
  async ctr(...args: string[]): Promise<string> {
    const nsArgs = args[0] === '-n' ? [] : ['-n', K8S_NAMESPACE];
    try {
      const { stdout } = await execFileP(CTR_BIN, ['--address', this.socket, ...nsArgs, ...args], { timeout: 60_000 });
      return stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`ctr ${args.join(' ')}: ${err.stderr || err.message}`);
    }
  }

  /** The tail of containerd's log (for failure messages). */
  logTail(chars = 4000): string { return this.log.slice(-chars); }

  /** RunPodSandbox the way the kubelet does for a hostNetwork pod (no hostname, cgroup under /kubepods/besteffort). */
  async runPod(spec: PodSpec): Promise<RunningPod> {
    const uid = spec.uid ?? randomUUID();
    const cgroupParent = `/kubepods/besteffort/pod${uid}`;
    const config = {
      metadata: { name: spec.name, uid, namespace: spec.namespace, attempt: 0 },
      hostname: '',
      log_directory: path.join(this.dir, 'logs', `${spec.namespace}_${spec.name}_${uid}`),
      labels: {
        ...spec.labels, 'io.kubernetes.pod.name': spec.name, 'io.kubernetes.pod.namespace': spec.namespace, 'io.kubernetes.pod.uid': uid,
      },
      annotations: { 'kubernetes.io/config.source': 'api', ...spec.annotations },
      linux: {
        cgroup_parent: cgroupParent,
        security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' }, privileged: spec.privileged ?? false },
      },
    };
    // Written down first, so a later run can remove the cgroup when this one dies before stop().
    appendFileSync(path.join(this.dir, 'pod-cgroups'), cgroupParent + '\n');
    const r = await this.cri.call<{ pod_sandbox_id: string }>('runtime', 'RunPodSandbox', { config });
    const pod = { sandboxId: r.pod_sandbox_id, uid, config, cgroupParent };
    this.pods.push(pod);
    return pod;
  }

  /** CreateContainer (+ StartContainer) in a pod, with the kubelet's io.kubernetes.* labels. Returns the full id. */
  async runContainer(pod: RunningPod, spec: ContainerSpec): Promise<string> {
    const md = pod.config.metadata as { name: string; namespace: string; uid: string };
    const config = {
      metadata: { name: spec.name, attempt: 0 },
      image: { image: TEST_IMAGE },
      command: spec.command,
      args: spec.args ?? [],
      labels: {
        ...spec.labels, 'io.kubernetes.container.name': spec.name, 'io.kubernetes.pod.name': md.name,
        'io.kubernetes.pod.namespace': md.namespace, 'io.kubernetes.pod.uid': md.uid,
      },
      annotations: { 'io.kubernetes.container.restartCount': '0', ...spec.annotations },
      log_path: `${spec.name}/0.log`,
      mounts: (spec.mounts ?? []).map((m) => ({ readonly: false, propagation: 'PROPAGATION_PRIVATE', ...m })),
      linux: {
        security_context: {
          privileged: spec.privileged ?? false,
          namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' },
        },
      },
    };
    const r = await this.cri.call<{ container_id: string }>('runtime', 'CreateContainer', {
      pod_sandbox_id: pod.sandboxId, config, sandbox_config: pod.config,
    });
    if (spec.start ?? true) await this.startContainer(r.container_id);
    return r.container_id;
  }

  /** StartContainer of a container made with `start: false`. */
  async startContainer(id: string): Promise<void> {
    await this.cri.call('runtime', 'StartContainer', { container_id: id });
  }

  /** The container's init pid (verbose ContainerStatus info). */
  async pidOf(containerId: string): Promise<number> {
    const r = await this.cri.call<{ info: Record<string, string> }>('runtime', 'ContainerStatus', { container_id: containerId, verbose: true });
    return (JSON.parse(r.info.info ?? '{}') as { pid?: number }).pid ?? 0;
  }

  async stopContainer(id: string): Promise<void> {
    await this.cri.call('runtime', 'StopContainer', { container_id: id, timeout: 0 });
  }

  async removeContainer(id: string): Promise<void> {
    await this.cri.call('runtime', 'RemoveContainer', { container_id: id });
  }

  /** Stops and removes a pod (and its containers). */
  async removePod(pod: RunningPod): Promise<void> {
    await this.cri.call('runtime', 'StopPodSandbox', { pod_sandbox_id: pod.sandboxId });
    await this.cri.call('runtime', 'RemovePodSandbox', { pod_sandbox_id: pod.sandboxId });
    const i = this.pods.indexOf(pod);
    if (i >= 0) this.pods.splice(i, 1);
    removeCgroupDirs(pod.cgroupParent);
  }

  /**
   * Everything back: pods removed through CRI, containerd stopped (SIGTERM, then SIGKILL), its shims and their
   * containers killed, mounts under the temp dir unmounted, the pods' cgroups and the temp dir removed.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const errors: string[] = [];
    for (const pod of [...this.pods]) {
      try { await this.removePod(pod); } catch (e) { errors.push(`remove pod ${pod.sandboxId.slice(0, 12)}: ${(e as Error).message}`); }
    }
    await this.cri.close();
    await this.killContainerd();
    errors.push(...await cleanDir(this.dir));
    if (errors.length > 0) console.warn(`containerd harness cleanup:\n  ${errors.join('\n  ')}`);
  }
}

/**
 * What containerd leaves behind in `dir` once it is gone: its shims and their containers (they mention the dir on
 * their command lines; killed by pid), mounts under it, the pods' cgroups (listed in pod-cgroups), the dir itself.
 */
async function cleanDir(dir: string): Promise<string[]> {
  const errors: string[] = [];
  for (let round = 0; round < 50; round++) {
    const pids = pidsMentioning(dir);
    if (pids.length === 0) break;
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const mp of mountsUnder(dir)) {
    try { await execFileP('umount', ['-l', mp]); } catch (e) { errors.push(`umount ${mp}: ${(e as Error).message}`); }
  }
  try {
    for (const cg of readFileSync(path.join(dir, 'pod-cgroups'), 'utf8').split('\n')) if (cg) removeCgroupDirs(cg);
  } catch { /* no pods */ }
  try { rmSync(dir, { recursive: true, force: true }); } catch (e) { errors.push(`rm ${dir}: ${(e as Error).message}`); }
  return errors;
}

const DIR_PREFIX = 'sensord-ctrd-';

/**
 * Harness dirs of runs that died before stop() (a killed test run): cleaned when their containerd is gone or was
 * orphaned (its parent, the test worker, died). A containerd whose test worker lives belongs to a run in progress.
 */
async function reapStale(): Promise<void> {
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    const config = path.join(dir, 'config.toml');
    const daemons = pidsMentioning(config);
    let live = false;
    for (const pid of daemons) {
      const ppid = Number(/^\d+ \(.*\) \S+ (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.[1] ?? 0);
      if (ppid > 1) { live = true; continue; }
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    if (live) continue;
    const errors = await cleanDir(dir);
    if (errors.length > 0) console.warn(`containerd harness: stale ${dir}:\n  ${errors.join('\n  ')}`);
  }
}

/** rmdir the pod's cgroup (and empty /kubepods parents) in every hierarchy; containers' own are gone by then. */
function removeCgroupDirs(cgroupParent: string): void {
  const roots = existsSync('/sys/fs/cgroup/cgroup.controllers') ? ['/sys/fs/cgroup']
    : readdirSync('/sys/fs/cgroup').map((d) => path.join('/sys/fs/cgroup', d));
  for (const root of roots) {
    const parts = cgroupParent.split('/').filter(Boolean);
    for (let n = parts.length; n > 0; n--) {
      const dir = path.join(root, ...parts.slice(0, n));
      try {
        // The pod's cgroup may still hold its containers' (empty) dirs; parents only go when empty.
        if (n === parts.length) for (const sub of readdirSync(dir, { withFileTypes: true })) if (sub.isDirectory()) rmdirSync(path.join(dir, sub.name));
        rmdirSync(dir);
      } catch { break; }
    }
  }
}

/** The cgroup lines (/proc/PID/cgroup) of a process. */
export function cgroupsOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
}

/** The executable of a process (for checks on what runs in a container). */
export function exeOf(pid: number): string {
  try { return readlinkSync(`/proc/${pid}/exe`); } catch { return ''; }
}

/**
 * For a describe() of live runtime tests: starts a harness before the suite and stops it after. Returns a getter
 * (the harness exists only once beforeAll ran).
 */
export function useContainerd(): () => ContainerdHarness {
  let h: ContainerdHarness | undefined;
  beforeAll(async () => { h = await ContainerdHarness.start(); }, 90_000);
  afterAll(async () => { await h?.stop(); }, 60_000);
  return () => {
    if (!h) throw new Error('containerd harness not started');
    return h;
  };
}
