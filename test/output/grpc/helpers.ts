// Shared pieces of the gRPC output tests: certificates made with openssl at test time (a CA with a server and a
// client certificate, and a second CA with its own client), alerts as the engine would emit them, and reading
// the collector's JSON lines back.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jsonLine, type Alert } from '../../../sensor/src/output/index.js';

export interface Certs { dir: string; ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; otherCa: string; otherCert: string; otherKey: string }

function ossl(cwd: string, ...args: string[]): void { execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] }); }

function issue(dir: string, ca: string, name: string, cn: string, ext: string): void {
  ossl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  ossl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
}

export function makeCerts(): Certs {
  const dir = mkdtempSync(path.join(tmpdir(), 'sensord-certs-'));
  for (const ca of ['ca', 'otherca']) ossl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=sensord test ${ca}`);
  issue(dir, 'ca', 'server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n');
  issue(dir, 'ca', 'client', 'sensor-1', 'extendedKeyUsage=clientAuth\n');
  issue(dir, 'otherca', 'other', 'sensor-rogue', 'extendedKeyUsage=clientAuth\n');
  const p = (n: string) => path.join(dir, n);
  return {
    dir, ca: p('ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'), clientCert: p('client.crt'), clientKey: p('client.key'),
    otherCa: p('otherca.crt'), otherCert: p('other.crt'), otherKey: p('other.key'),
  };
}

const RULES = ['Read sensitive file untrusted', 'Terminal shell in container', 'Write below etc'];

/** The i-th test alert: time grows with i, rules rotate, MITRE tags present. */
export function testAlert(i: number): Alert {
  const ts = 1_700_000_000_000_000_000n + BigInt(i) * 1000n;
  return {
    ts, rule: RULES[i % RULES.length]!, priority: 'WARNING', source: 'syscall', tags: ['filesystem', 'mitre_credential_access', 'T1555'],
    output: `alert ${i}`, outputFields: `{"container.id":"abc123","container.name":"web","evt.num":${i},"k8s.ns.name":"prod","k8s.pod.name":"web-1","proc.name":"cat"}`,
  };
}

export const testLine = (i: number) => jsonLine(testAlert(i), 'node-a');

export interface CollectedLine { kind: 'alert' | 'gap'; id?: string; sensor_id: string; seq: number; output?: string; count?: string; first_seq?: string; last_seq?: string; first_time_ns?: string; last_time_ns?: string; rules?: Record<string, string>; [k: string]: unknown }

export function readCollected(file: string): CollectedLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as CollectedLine);
}

export async function until(cond: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return true;
}

export const tmp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
