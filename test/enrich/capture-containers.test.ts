// Container and pod metadata carried in a capture (container events), for `sensord events` and `sensord replay`
// as sysdig -r and Falco -e give them. The capture is written here with our scap writer: three threads (a docker
// container, a CRI container, the host), two container events (old-style JSON with docker's 12-character id, and
// the large-payload one with a full id), one openat each. sysdig 0.29.3 is the oracle for the docker container and
// the host; it does not find a container whose event names it by its full id (it keys containers by the short
// one), which we do: that case is asserted on its own.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScapWriter } from '../../sensor/src/source/scap-writer.js';
import type { CaptureMetadata, ThreadEntry } from '../../sensor/src/schema/capture-types.js';
import { containerEventRecord, containerFromJson, containerJson } from '../../sensor/src/enrich/capture.js';
import { EventView } from '../../sensor/src/decode/event-view.js';
import type { ContainerMeta } from '../../sensor/src/enrich/types.js';
import { runReplay } from '../../sensor/src/daemon/commands/replay.js';
import { buildEvent, batchOf } from '../helpers/event-builder.js';
import { runEventsInMemory } from '../helpers/scap-corpus.js';

const HAVE_SYSDIG = spawnSync('sysdig', ['--version'], { encoding: 'utf8' }).status === 0;
if (!HAVE_SYSDIG && process.env.CI === 'true') throw new Error('capture containers: sysdig is required under CI');

const DOCKER_ID = 'aef60e4e30c9' + 'b'.repeat(52);
const CRI_ID = 'c0ffee000001' + 'd'.repeat(52);
const NO_TID = 0xffffffffffffffffn;

function thread(tid: number, comm: string, cgroups: string[]): ThreadEntry {
  return {
    tid, pid: tid, ptid: 1, sid: tid, vpgid: tid, pgid: tid, comm, exe: comm, exepath: `/usr/bin/${comm}`, args: [], cwd: '/',
    fdlimit: 1024n, flags: 0, uid: 0, gid: 0, vmsizeKb: 1, vmrssKb: 1, vmswapKb: 0, pfMajor: 0n, pfMinor: 0n, env: [],
    vtid: tid, vpid: tid, cgroups, root: '/', pidnsInitStartTs: 0n, tty: 0, loginuid: 0xffffffff, exeWritable: false,
    capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false, exeLowerLayer: false, exeFromMemfd: false,
    exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n,
  };
}

const DOCKER_JSON = JSON.stringify({ container: {
  Mounts: [{ Destination: '/usr/share/nginx', Mode: 'ro', Propagation: 'rprivate', RW: false, Source: '/data' }],
  id: DOCKER_ID.slice(0, 12), image: 'nginx:1.27', imagedigest: 'sha256:abc', imageid: 'f68d', imagerepo: 'nginx', imagetag: '1.27',
  ip: '10.0.0.5', is_pod_sandbox: false, name: 'web', privileged: true, type: 0,
  labels: { app: 'web', 'io.kubernetes.pod.name': 'web-0', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'uid-1' },
} });
const CRI_JSON = JSON.stringify({ container: {
  Mounts: [], id: CRI_ID, image: 'docker.io/library/busybox:latest', imagerepo: 'docker.io/library/busybox', imagetag: 'latest',
  name: 'reader', privileged: false, type: 7,
  labels: { 'io.kubernetes.pod.name': 'rd', 'io.kubernetes.pod.namespace': 'ns2', 'io.kubernetes.sandbox.id': 'e'.repeat(64) },
  pod_sandbox_labels: { app: 'rd', tier: 'back' },
} });

const dir = mkdtempSync(path.join(tmpdir(), 'sensord-ctr-'));
const file = path.join(dir, 'containers.scap');
afterAll(() => { rmSync(dir, { recursive: true, force: true }); vi.restoreAllMocks(); });

async function writeCapture(): Promise<void> {
  const md: CaptureMetadata = {
    threads: [thread(100, 'fixture', ['cpu=/']), thread(200, 'nginx', [`cpuset=/docker/${DOCKER_ID}`]), thread(300, 'cat', [`cpuset=/kubepods/besteffort/pod1/${CRI_ID}`])],
    fds: new Map(), users: [], groups: [], interfaces: [],
  };
  const open = (tid: number, fd: number, name: string) =>
    buildEvent('PPME_SYSCALL_OPENAT_2_X', { fd, dirfd: -100, name, flags: 1, mode: 0, dev: 0, ino: 1 }, { tid });
  const w = await ScapWriter.create(file, { gzip: false, metadata: md });
  await w.writeBatch(batchOf([
    buildEvent('PPME_CONTAINER_JSON_E', { json: DOCKER_JSON }, { tid: NO_TID as unknown as number }),
    buildEvent('PPME_CONTAINER_JSON_2_E', { json: CRI_JSON }, { tid: NO_TID as unknown as number }),
    open(200, 4, '/etc/shadow'), open(300, 5, '/etc/passwd'), open(100, 6, '/etc/hosts'),
  ]));
  await w.close();
}

const FMT = '*%evt.num %proc.name %container.id %container.name %container.image %container.image.id %container.image.repository ' +
  '%container.image.tag %container.image.digest %container.type %container.privileged %container.mounts %container.mount.source[0] ' +
  '%container.mount.dest[/data] %k8s.pod.name %k8s.ns.name %k8s.pod.id';

describe('container metadata from the capture', () => {
  it('container events: JSON → container and pod (CRI labels), unreadable JSON → none', () => {
    const m = containerFromJson(CRI_JSON)!;
    expect(m).toMatchObject({ id: CRI_ID, name: 'reader', type: 'containerd', privileged: false, image: { repository: 'docker.io/library/busybox', tag: 'latest' } });
    expect(m.pod).toMatchObject({ name: 'rd', namespace: 'ns2', sandboxId: 'e'.repeat(64), labels: { app: 'rd', tier: 'back' } });
    expect(containerFromJson('{"container":')).toBeNull();
    expect(containerFromJson('[]')).toBeNull();
    expect(containerFromJson('{"container":{"Mounts":"x","labels":[1]}}')).toMatchObject({ mounts: [], labels: {} });
  });

  it.skipIf(!HAVE_SYSDIG)('`sensord events` prints what sysdig 0.29.3 prints for the docker container and the host', async () => {
    await writeCapture();
    const ours = await runEventsInMemory(file, FMT);
    const theirs = spawnSync('sysdig', ['-r', file, '-p', FMT], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(theirs).toHaveLength(3);
    expect(ours[0]).toBe(theirs[0]);
    expect(ours[0]).toContain('aef60e4e30c9 web nginx:1.27 f68d nginx 1.27 sha256:abc docker true /data:/usr/share/nginx:ro:false:rprivate /data /usr/share/nginx web-0 shop uid-1');
    expect(ours[2]).toBe(theirs[2]);
    // The CRI container's event names it by its full id: found here (sysdig 0.29.3 prints <NA>s for it).
    expect(ours[1]).toBe('4 cat c0ffee000001 reader docker.io/library/busybox:latest <NA> docker.io/library/busybox latest <NA> containerd false  <NA> <NA> rd ns2 <NA>');
    const labels = await runEventsInMemory(file, '*%evt.num %k8s.pod.labels %k8s.pod.label[tier] %container.label[app]');
    expect(labels[0]).toBe('3  <NA> web');
    expect(labels[1]).toBe('4 app:rd,tier:back back <NA>');
  });

  it('the container event `sensord capture` writes (libsinsp JSON) reads back as the same container and pod', () => {
    const meta: ContainerMeta = {
      id: CRI_ID, name: 'shell', type: 'containerd',
      image: { name: 'docker.io/library/busybox:1.36', repository: 'docker.io/library/busybox', tag: '1.36', digest: 'sha256:' + '1'.repeat(64), id: 'sha256:' + '2'.repeat(64) },
      labels: { team: 'a' }, privileged: true,
      mounts: [{ source: '/var/run/docker.sock', dest: '/var/run/docker.sock', mode: 'rbind,rw', readWrite: true, propagation: 'rprivate' }],
      startTs: 1_700_000_123_000_000_000n, ip: '10.244.0.7', sandboxId: 'e'.repeat(64),
      pod: { uid: 'u-1', name: 'web-0', namespace: 'prod', labels: { app: 'web' }, annotations: {}, ip: '10.244.0.7', serviceAccount: '', node: '', sandboxId: 'e'.repeat(64) },
    };
    const back = containerFromJson(containerJson(meta))!;
    // The CRI labels carry the pod; they come back among the labels, as from any CRI container's event.
    expect({ ...back, labels: {} }).toEqual({ ...meta, labels: {} });
    expect(back.labels).toEqual({
      team: 'a', 'io.kubernetes.pod.name': 'web-0', 'io.kubernetes.pod.namespace': 'prod', 'io.kubernetes.pod.uid': 'u-1', 'io.kubernetes.sandbox.id': 'e'.repeat(64),
    });
    // No address known: libsinsp's 0.0.0.0 (sysdig and Falco inet_pton the text).
    expect(JSON.parse(containerJson({ ...meta, ip: '' })).container.ip).toBe('0.0.0.0');
    expect(JSON.parse(containerJson({ ...meta, ip: 'fd00::7' })).container.ip).toBe('0.0.0.0');
    const rec = containerEventRecord(meta, 42n);
    const v = new EventView().set(rec, new DataView(rec.buffer), 0, 0, 1);
    expect([v.type, v.ts, v.tid, v.paramCount(), v.len]).toEqual([324, 42n, 2 ** 64 - 1, 1, rec.length]);
    expect(JSON.parse(v.str(0))).toEqual(JSON.parse(containerJson(meta)));
  });

  it('`sensord replay` judges container fields with the capture\'s metadata', async () => {
    await writeCapture();
    const rules = path.join(dir, 'rules.yaml');
    writeFileSync(rules, [
      '- rule: Privileged container reads shadow',
      '  desc: test',
      '  condition: evt.type = openat and container.privileged = true and k8s.ns.name = shop and fd.name = /etc/shadow',
      '  output: "%container.name (%container.image.repository:%container.image.tag) in pod %k8s.pod.name read %fd.name"',
      '  priority: WARNING',
      '',
    ].join('\n'));
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out.push(String(c)); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const rc = await runReplay({ read: file, rules: [rules] });
    vi.restoreAllMocks();
    expect(rc).toBe(0);
    const lines = out.join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Warning web \(nginx:1\.27\) in pod web-0 read \/etc\/shadow$/);
  });
});
