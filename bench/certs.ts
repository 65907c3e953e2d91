// mTLS material for the delivery benchmark, made with openssl at bench time in a temp dir: a CA, a server
// certificate for localhost/127.0.0.1 and a client certificate (the same approach as the gRPC tests' helper;
// bench/ does not import from test/).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BenchCerts { dir: string; ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string }

function ossl(cwd: string, ...args: string[]): void { execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] }); }

function issue(dir: string, name: string, cn: string, ext: string): void {
  ossl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  ossl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
}

export function makeBenchCerts(): BenchCerts {
  const dir = mkdtempSync(path.join(tmpdir(), 'sensord-bench-certs-'));
  ossl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=sensord bench ca');
  issue(dir, 'server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  issue(dir, 'client', 'sensord-bench', 'extendedKeyUsage=clientAuth\n');
  const p = (n: string) => path.join(dir, n);
  return { dir, ca: p('ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'), clientCert: p('client.crt'), clientKey: p('client.key') };
}
