// Default rules judged on events built from the schema (test/helpers/event-builder.ts): behaviours that
// involve traffic beyond loopback (cloud metadata service, Kubernetes API server) — never performed for real —
// and the container/host split of container-only rules, which a live test can show only on one side.
// Each event stream starts with an execve exit that creates the thread (with its cgroups: a containerd pod
// cgroup for "container" threads, the root cgroup for host ones).
import { beforeAll, describe, expect, it } from 'vitest';
import { batchOf, buildEvent, ipv4Tuple } from '../../helpers/event-builder.js';
import { RULES_DIR } from './harness.js';
import type { RuleSet } from '../../../sensor/src/rules/types.js';

const CID = 'a1b2c3d4e5f6'.padEnd(64, '0');
const CONTAINER_CGROUPS = ['cpuset=/', `cpu=/kubepods/besteffort/pod0123/${CID}`, `memory=/kubepods/besteffort/pod0123/${CID}`];
const HOST_CGROUPS = ['cpuset=/', 'cpu=/', 'memory=/'];

let ts = 1_700_000_000_000_000_000n;
const next = () => (ts += 1000n);

function exec(tid: number, comm: string, args: string[], cgroups: string[], exepath = `/usr/bin/${comm}`): Uint8Array {
  return buildEvent('PPME_SYSCALL_EXECVE_19_X', {
    res: 0, exe: comm, args, tid, pid: tid, ptid: 1, cwd: '/', fdlimit: 1024, comm, cgroups, env: [], tty: 0,
    vpgid: tid, loginuid: -1, flags: 0, uid: 0, trusted_exepath: exepath, pgid: tid, gid: 0, filename: exepath,
  }, { ts: next(), tid });
}

function sockaddr4(ip: string, port: number): Uint8Array {
  const out = new Uint8Array(7);
  out[0] = 2;
  out.set(ip.split('.').map(Number), 1);
  new DataView(out.buffer).setUint16(5, port, true);
  return out;
}

/** socket() + connect() of a TCP socket on fd 3 from 10.244.1.7:40000 to ip:port. */
function connect(tid: number, ip: string, port: number, res = 0): Uint8Array[] {
  return [
    buildEvent('PPME_SOCKET_SOCKET_X', { fd: 3, domain: 2, type: 1, proto: 0 }, { ts: next(), tid }),
    buildEvent('PPME_SOCKET_CONNECT_X', { res, tuple: ipv4Tuple('10.244.1.7', 40000, ip, port), fd: 3, addr: sockaddr4(ip, port) }, { ts: next(), tid }),
  ];
}

let ruleSet: RuleSet;

/**
 * The rules that fire on the records. Container metadata comes from container events among them (as in a
 * capture Falco or sysdig wrote), read as `sensord replay` reads them.
 */
async function judge(records: Uint8Array[]): Promise<string[]> {
  const { Engine } = await import('../../../sensor/src/rules/engine/index.js');
  const { CaptureContainers } = await import('../../../sensor/src/enrich/capture.js');
  const rules: string[] = [];
  const engine = new Engine(ruleSet, { emit: (a) => { rules.push(a.rule); } });
  engine.fields.metadata = new CaptureContainers(engine.state);
  await engine.processBatch(batchOf(records));
  return [...new Set(rules)].sort();
}

describe('default rules on events built from the schema', () => {
  beforeAll(async () => {
    const { loadRules } = await import('../../../sensor/src/rules/engine/index.js');
    ruleSet = await loadRules([RULES_DIR]);
    expect(ruleSet.errors).toEqual([]);
  });

  describe('K8S.NODE_ImdsCall', () => {
    it('positive: a container process connects to 169.254.169.254:80', async () => {
      expect(await judge([exec(4001, 'python3', ['fetch.py'], CONTAINER_CGROUPS), ...connect(4001, '169.254.169.254', 80)]))
        .toEqual(['Cloud Metadata Service Connection From Container']);
    });
    it('positive: in-progress non-blocking connect (EINPROGRESS) counts', async () => {
      expect(await judge([exec(4002, 'curl', ['http://169.254.169.254/metadata/identity'], CONTAINER_CGROUPS), ...connect(4002, '169.254.169.254', 80, -115)]))
        .toEqual(['Cloud Metadata Service Connection From Container']);
    });
    it('negative: the same connect from a host process (node agent) raises nothing', async () => {
      expect(await judge([exec(4003, 'python3', ['fetch.py'], HOST_CGROUPS), ...connect(4003, '169.254.169.254', 80)])).toEqual([]);
    });
    it('negative: a container process connects to another link-local/private address', async () => {
      expect(await judge([exec(4004, 'python3', ['fetch.py'], CONTAINER_CGROUPS), ...connect(4004, '10.0.5.9', 80)])).toEqual([]);
    });
  });

  describe('K8S.NODE_KubernetesAPI', () => {
    it('positive: a container shell tool connects to the kubernetes service IP on 443', async () => {
      expect(await judge([exec(4101, 'python3', ['steal.py'], CONTAINER_CGROUPS), ...connect(4101, '10.96.0.1', 443)]))
        .toEqual(['Suspicious Kubernetes API Connection From Container']);
    });
    it('positive: a container process connects to an apiserver on 6443', async () => {
      expect(await judge([exec(4102, 'python3', ['k8s_client.py'], CONTAINER_CGROUPS), ...connect(4102, '203.0.113.20', 6443)]))
        .toEqual(['Suspicious Kubernetes API Connection From Container']);
    });
    it('negative: coredns (a known cluster component) connects to the API', async () => {
      expect(await judge([exec(4103, 'coredns', ['-conf', '/etc/coredns/Corefile'], CONTAINER_CGROUPS), ...connect(4103, '10.96.0.1', 443)])).toEqual([]);
    });
    it('negative: a container process connects to another service on 443', async () => {
      expect(await judge([exec(4104, 'python3', ['app.py'], CONTAINER_CGROUPS), ...connect(4104, '10.96.0.50', 443)])).toEqual([]);
    });
  });

  describe('K8S.NODE_NamespaceCreation (container-only)', () => {
    const unshare = (tid: number) => buildEvent('PPME_SYSCALL_UNSHARE_X', { res: 0, flags: 1 << 20 /* CLONE_NEWUSER */ }, { ts: next(), tid });
    it('positive: unshare(CLONE_NEWUSER) in a container', async () => {
      expect(await judge([exec(4201, 'unshare', ['-U', 'sh'], CONTAINER_CGROUPS), unshare(4201)])).toEqual(['Namespace Creation In Container']);
    });
    it('negative: the same on the host', async () => {
      expect(await judge([exec(4202, 'unshare', ['-U', 'sh'], HOST_CGROUPS), unshare(4202)])).toEqual([]);
    });
  });

  describe('K8S.NODE_ContainerSSH (container-only)', () => {
    it('positive: sshd started in a container', async () => {
      expect(await judge([exec(4301, 'sshd', ['-D'], CONTAINER_CGROUPS)])).toEqual(['SSH Server Started In Container']);
    });
    it('negative: sshd started on the host', async () => {
      expect(await judge([exec(4302, 'sshd', ['-D'], HOST_CGROUPS)])).toEqual([]);
    });
  });

  describe('K8S.NODE_PrivilegedExecutionInContainer (container metadata from a container event)', () => {
    /** The container event libsinsp's container manager writes into a capture (a containerd container: type 7). */
    const containerEvent = (privileged: boolean, imagerepo = 'docker.io/library/busybox') => buildEvent('PPME_CONTAINER_JSON_2_E', {
      json: JSON.stringify({ container: { id: CID, type: 7, name: 'debug', image: `${imagerepo}:1.36`, imagerepo, imagetag: '1.36', privileged, Mounts: [], labels: {} } }),
    }, { ts: next(), tid: 0xffffffff });
    /** The container's init: pid 1 of its pid namespace (clone child side), which then execs `init`. */
    const initProcess = (tid: number, comm: string) => [
      buildEvent('PPME_SYSCALL_CLONE_20_X', {
        res: 0, exe: 'runc:[2:INIT]', args: [], tid, pid: tid, ptid: 1, cwd: '/', fdlimit: 1024, comm: 'runc:[2:INIT]',
        cgroups: CONTAINER_CGROUPS, flags: 0, uid: 0, gid: 0, vtid: 1, vpid: 1, pidns_init_start_ts: 0,
      }, { ts: next(), tid }),
      exec(tid, comm, [], CONTAINER_CGROUPS, `/bin/${comm}`),
    ];
    const rule = 'Command In Privileged Container';
    it('positive: a shell runs `mount` in a privileged container', async () => {
      expect(await judge([containerEvent(true), exec(4501, 'mount', ['/dev/sda1', '/mnt'], CONTAINER_CGROUPS)])).toEqual([rule]);
    });
    it('negative: the same in an unprivileged container', async () => {
      expect(await judge([containerEvent(false), exec(4502, 'mount', ['/dev/sda1', '/mnt'], CONTAINER_CGROUPS)])).toEqual([]);
    });
    it('negative: the privileged container\'s own init process (vpid 1)', async () => {
      expect(await judge([containerEvent(true), ...initProcess(4503, 'sleep')])).toEqual([]);
    });
    it('negative: a privileged node agent on the allowlist (kube-proxy)', async () => {
      expect(await judge([containerEvent(true, 'registry.k8s.io/kube-proxy'), exec(4504, 'iptables', ['-L'], CONTAINER_CGROUPS)])).toEqual([]);
    });
    it('negative: a container whose metadata is unknown (no container event)', async () => {
      expect(await judge([exec(4505, 'mount', ['/dev/sda1', '/mnt'], CONTAINER_CGROUPS)])).toEqual([]);
    });
  });

  describe('K8S.NODE_SystemLogRemoval (syscall form, never done live)', () => {
    const unlinkat = (tid: number, name: string) => buildEvent('PPME_SYSCALL_UNLINKAT_2_X', { res: 0, dirfd: -100, name, flags: 0 }, { ts: next(), tid });
    it('positive: bash deletes /var/log/auth.log', async () => {
      expect(await judge([exec(4401, 'bash', ['-c', 'rm -f /var/log/auth.log'], HOST_CGROUPS), unlinkat(4401, '/var/log/auth.log')]))
        .toEqual(['System Log Removal']);
    });
    it('negative: logrotate deletes a rotated log', async () => {
      expect(await judge([exec(4402, 'logrotate', ['/etc/logrotate.conf'], HOST_CGROUPS), unlinkat(4402, '/var/log/syslog.7.gz')])).toEqual([]);
    });
  });
});
