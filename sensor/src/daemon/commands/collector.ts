// `sensord collector --listen ADDR --out FILE --tls-ca CA --tls-cert CERT --tls-key KEY`: the reference SOC
// receiver of the gRPC output. Verifies client certificates against CA, dedupes, appends JSON lines durably,
// acks; prints a summary per sensor on SIGINT/SIGTERM.
import { Collector } from '../../output/grpc/index.js';

export interface CollectorCommandOptions {
  listen: string;
  out: string;
  tlsCa: string;
  tlsCert: string;
  tlsKey: string;
  token?: string;
  maxMessageBytes?: number;
}

const log = (msg: string) => process.stderr.write(`sensord collector: ${msg}\n`);

export async function runCollector(opts: CollectorCommandOptions): Promise<number> {
  const collector = new Collector({
    listen: opts.listen, out: opts.out, tls: { ca: opts.tlsCa, cert: opts.tlsCert, key: opts.tlsKey },
    token: opts.token ?? process.env.SENSORD_TOKEN, maxMessageBytes: opts.maxMessageBytes,
    onEvent: (what, detail) => log(`${what}: ${String(detail)}`),
  });
  let port: number;
  try {
    port = await collector.start();
  } catch (e) {
    log(`cannot start: ${(e as Error).message}`);
    return 1;
  }
  log(`listening on ${opts.listen.replace(/:0$/, ':' + port)} (port ${port}), appending to ${opts.out}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await collector.stop();
  process.stderr.write(collector.formatSummary());
  return 0;
}
