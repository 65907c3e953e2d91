// A minimal sensor process for the crash test: feeds alerts into the gRPC output through the output queue and
// prints `spooled <lastSeq>` after each flush (the alerts are in the spool from then on).
// argv: ADDR CA CERT KEY SPOOL START COUNT [drain]
import { OutputQueue } from '../../../sensor/src/output/index.js';
import { GrpcOutput } from '../../../sensor/src/output/grpc/index.js';
import { testAlert } from './helpers.js';

const [addr, ca, cert, key, spoolDir, start, count, mode] = process.argv.slice(2) as string[];
const g = new GrpcOutput({
  address: addr!, serverName: 'localhost', tls: { ca: ca!, cert: cert!, key: key! }, spoolDir: spoolDir!, fsync: 'never',
  backoffInitialMs: 50, backoffMaxMs: 500, window: 500, batchSize: 100,
});
const queue = new OutputQueue([g], { hostname: 'node-a', policy: 'block', capacity: 100 });
await queue.init();
for (let i = Number(start); i < Number(start) + Number(count); i += 50) {
  for (let k = 0; k < 50; k++) { const p = queue.push(testAlert(i + k)); if (p) await p; }
  await queue.flush();
  process.stdout.write(`spooled ${g.spool.lastSeq}\n`);
  await new Promise((r) => setTimeout(r, 2));
}
if (mode === 'drain') {
  const ok = await g.drained(20_000);
  process.stdout.write(`drained ${ok} ${g.spool.lastSeq}\n`);
  await queue.close();
  process.exit(ok ? 0 : 1);
}
await new Promise(() => {}); // wait for the SIGKILL
