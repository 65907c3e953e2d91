// Container ids from cgroup paths, one row per runtime layout Falco's container engines match (runc.cpp
// cgroup_layout tables: podman, docker, CRI containerd/CRI-O, ctr namespaces, LXC), v1 and v2 forms.
import { describe, expect, it } from 'vitest';
import { ContainerIdResolver, containerIdFromCgroupPath, containerIdFromCgroups } from '../../sensor/src/state/index.js';

const ID = '605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22';
const SHORT = ID.slice(0, 12);

const CASES: Array<[runtime: string, path: string, id: string | null, full?: string]> = [
  ['docker cgroupfs (v1)', `/docker/${ID}`, SHORT],
  ['docker systemd', `/system.slice/docker-${ID}.scope`, SHORT],
  ['docker rootless systemd (v2)', `/user.slice/user-1000.slice/user@1000.service/docker-${ID}.scope`, SHORT],
  ['kubernetes cgroupfs (containerd or docker)', `/kubepods/besteffort/podac04f3f2-1f2c-11e9-b015-1ebee232acfa/${ID}`, SHORT],
  ['containerd systemd slice', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b2c3d_4e5f.slice/cri-containerd-${ID}.scope`, SHORT],
  ['containerd without SystemdCgroup', `/system.slice/containerd.service/kubepods-burstable-pod1.slice:cri-containerd:${ID}`, SHORT],
  ['CRI-O systemd', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod9f1e.slice/crio-${ID}.scope`, SHORT],
  ['CRI-O cgroupfs', `/kubepods/burstable/pod9f1e/crio-${ID}`, SHORT],
  ['cri-dockerd systemd', `/kubepods.slice/kubepods-pod1.slice/docker-${ID}.scope`, SHORT],
  ['podman systemd', `/machine.slice/libpod-${ID}.scope`, SHORT],
  ['podman v2 container sub-cgroup', `/machine.slice/libpod-${ID}.scope/container`, SHORT],
  ['podman cgroupfs', `/libpod_parent/libpod-${ID}`, SHORT],
  ['podman rootless', `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`, SHORT],
  ['ctr default namespace (64 hex)', `/default/${ID}`, SHORT],
  ['ctr namespace, named container', '/default/myctr', 'myctr', 'myctr'],
  ['ctr custom namespace, long name', '/buildkit/abcdefghijklmnopq', 'abcdefghijkl', 'abcdefghijklmnopq'],
  ['lxc', '/lxc/web01', 'web01', 'web01'],
  ['lxc 4.0 payload', '/lxc.payload.web01/init.scope', 'web01', 'web01'],
  ['host: root cgroup', '/', null],
  ['host: systemd service', '/system.slice/ssh.service', null],
  ['host: user session', '/user.slice/user-1000.slice/session-3.scope', null],
  ['host: init scope', '/init.scope', null],
  // Not hex, so no runc layout matches; the ctr-namespace matcher still takes any id of 1..64 chars.
  ['not hex: falls to the ctr-namespace matcher', `/docker/${'z'.repeat(64)}`, 'z'.repeat(12), 'z'.repeat(64)],
  ['not hex under a systemd unit', `/system.slice/docker-${'z'.repeat(64)}.scope`, null],
  ['too long id', `/docker-${ID}ab.scope`, null],
];

describe('containerIdFromCgroupPath', () => {
  it.each(CASES)('%s', (_runtime, path, id, full) => {
    const m = containerIdFromCgroupPath(path);
    if (id === null) { expect(m).toBeNull(); return; }
    expect(m).toEqual({ id, fullId: full ?? ID });
  });
});

describe('containerIdFromCgroups (thread cgroup lists)', () => {
  it('cgroup v1: per-subsystem entries, first container match wins', () => {
    expect(containerIdFromCgroups(['cpuset=/', `cpu=/docker/${ID}`, `memory=/docker/${ID}`])).toEqual({ id: SHORT, fullId: ID });
  });
  it('cgroup v2: one unified entry', () => {
    expect(containerIdFromCgroups([`=/system.slice/docker-${ID}.scope`]).id).toBe(SHORT);
    expect(containerIdFromCgroups([`0::/kubepods.slice/cri-containerd-${ID}.scope`]).id).toBe(SHORT);
  });
  it('host processes get host', () => {
    expect(containerIdFromCgroups([])).toEqual({ id: 'host', fullId: 'host' });
    expect(containerIdFromCgroups(['cpu=/user.slice', 'memory=/user.slice'])).toEqual({ id: 'host', fullId: 'host' });
  });
  it('memoises by cgroup list', () => {
    const r = new ContainerIdResolver(2);
    const a = r.resolve([`cpu=/docker/${ID}`]);
    expect(r.resolve([`cpu=/docker/${ID}`])).toBe(a);
    r.resolve(['cpu=/a']); r.resolve(['cpu=/b']);
    expect(r.size).toBe(2);
  });
});
