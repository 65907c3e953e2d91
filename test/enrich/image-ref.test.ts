// Image reference splitting as Falco does it (libsinsp split_container_image), the OCI-spec readers, and the
// CRI polling diff — the pure parts of sensor/src/enrich/runtime.
import { describe, expect, it } from 'vitest';
import {
  containerTypeOf, diffStates, digestOf, isImageId, mountsFromSpec, parseImageRef, parseSpec, privilegedFromSpec,
} from '../../sensor/src/enrich/runtime/index.js';

const D = 'sha256:' + 'ab'.repeat(32);

describe('parseImageRef', () => {
  it.each([
    // [reference, repository, tag, digest]
    ['docker.io/library/nginx:1.27', 'docker.io/library/nginx', '1.27', ''],
    ['nginx', 'nginx', '', ''],
    ['nginx:latest', 'nginx', 'latest', ''],
    ['library/nginx:1.27', 'library/nginx', '1.27', ''],
    // A registry port is not a tag.
    ['localhost:5000/x:1', 'localhost:5000/x', '1', ''],
    ['localhost:5000/x', 'localhost:5000/x', '', ''],
    ['registry.example.com:443/team/app/api:v2.1.0', 'registry.example.com:443/team/app/api', 'v2.1.0', ''],
    [`docker.io/library/nginx@${D}`, 'docker.io/library/nginx', '', D],
    [`docker.io/library/nginx:1.27@${D}`, 'docker.io/library/nginx', '1.27', D],
    [`localhost:5000/x:1@${D}`, 'localhost:5000/x', '1', D],
    [`nginx@${D}`, 'nginx', '', D],
    ['', '', '', ''],
  ])('%s', (ref, repository, tag, digest) => {
    expect(parseImageRef(ref)).toEqual({ repository, tag, digest });
  });

  it('keeps Falco\'s first-colon rule in the path part (a second colon stays in the tag)', () => {
    expect(parseImageRef('host/a:b:c')).toEqual({ repository: 'host/a', tag: 'b:c', digest: '' });
  });
});

describe('image ids and digests', () => {
  it('isImageId', () => {
    expect(isImageId(D)).toBe(true);
    expect(isImageId('ab'.repeat(32))).toBe(true);
    expect(isImageId('nginx:1')).toBe(false);
    expect(isImageId(`nginx@${D}`)).toBe(false);
  });
  it('digestOf', () => {
    expect(digestOf(`docker.io/x/y@${D}`)).toBe(D);
    expect(digestOf(D)).toBe('');
    expect(digestOf('docker.io/x/y:1')).toBe('');
  });
});

describe('OCI spec', () => {
  const unprivileged = {
    process: { capabilities: { bounding: ['CAP_CHOWN', 'CAP_KILL'] } },
    linux: { maskedPaths: ['/proc/kcore'] },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rprivate', 'ro'] },
      { destination: '/shared', type: 'bind', source: '/srv/shared', options: ['rbind', 'rshared'] },
    ],
  };

  it('mounts: options as the mode, ro, the propagation option', () => {
    expect(mountsFromSpec(unprivileged)).toEqual([
      { source: 'proc', dest: '/proc', mode: 'nosuid,noexec,nodev', readWrite: true, propagation: '' },
      { source: '/srv/data', dest: '/data', mode: 'rbind,rprivate,ro', readWrite: false, propagation: 'rprivate' },
      { source: '/srv/shared', dest: '/shared', mode: 'rbind,rshared', readWrite: true, propagation: 'rshared' },
    ]);
    expect(mountsFromSpec(undefined)).toEqual([]);
  });

  it('privileged = CAP_SYS_ADMIN in the bounding set and no masked paths', () => {
    expect(privilegedFromSpec(unprivileged)).toBe(false);
    expect(privilegedFromSpec({ process: { capabilities: { bounding: ['CAP_SYS_ADMIN'] } } })).toBe(true);
    expect(privilegedFromSpec({ process: { capabilities: { bounding: ['CAP_SYS_ADMIN'] } }, linux: { maskedPaths: [] } })).toBe(true);
    // --cap-add SYS_ADMIN keeps the masks.
    expect(privilegedFromSpec({ process: { capabilities: { bounding: ['CAP_SYS_ADMIN'] } }, linux: { maskedPaths: ['/proc/kcore'] } })).toBe(false);
    // No masks but no SYS_ADMIN either (e.g. a spec that never had masks).
    expect(privilegedFromSpec({ process: { capabilities: { bounding: ['CAP_CHOWN'] } } })).toBe(false);
    expect(privilegedFromSpec(undefined)).toBe(false);
  });

  it('parseSpec takes bytes or text and refuses what is not a JSON object', () => {
    expect(parseSpec(Buffer.from('{"mounts":[]}'))).toEqual({ mounts: [] });
    expect(parseSpec('{"a":1}')).toEqual({ a: 1 });
    expect(parseSpec('not json')).toBeUndefined();
    expect(parseSpec('[1]')).toBeUndefined();
    expect(parseSpec(new Uint8Array())).toBeUndefined();
  });
});

describe('CRI helpers', () => {
  it('containerTypeOf', () => {
    expect(containerTypeOf('containerd')).toBe('containerd');
    expect(containerTypeOf('cri-o')).toBe('cri-o');
    expect(containerTypeOf('')).toBe('cri');
  });

  it('diffStates: create/start/exit/delete between two listings', () => {
    const before = new Map([['a', 'CONTAINER_CREATED'], ['b', 'CONTAINER_RUNNING'], ['c', 'CONTAINER_RUNNING']]);
    const after = new Map([['a', 'CONTAINER_RUNNING'], ['b', 'CONTAINER_EXITED'], ['d', 'CONTAINER_RUNNING'], ['e', 'CONTAINER_CREATED']]);
    expect(diffStates(before, after)).toEqual([
      { kind: 'start', id: 'a' }, { kind: 'exit', id: 'b' },
      { kind: 'create', id: 'd' }, { kind: 'start', id: 'd' }, { kind: 'create', id: 'e' },
      { kind: 'delete', id: 'c' },
    ]);
    expect(diffStates(after, after)).toEqual([]);
  });
});
