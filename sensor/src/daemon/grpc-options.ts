// `sensord run --grpc ADDR --tls-ca CA --tls-cert CERT --tls-key KEY [--tls-server-name NAME] [--spool DIR] [--token TOKEN]`: the gRPC
// output's flags, and the output built from them (one more leaf behind the output queue).
import { EngineError } from '../rules/engine/index.js';
import { GrpcOutput, type FsyncPolicy } from '../output/grpc/index.js';

export interface GrpcFlags {
  grpc?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServerName?: string;
  spool?: string;
  spoolMaxBytes?: string;
  spoolFsync?: string;
  token?: string;
}

/** The gRPC output, or undefined without --grpc; EngineError EOPTION on incomplete flags. */
export function grpcOutputFrom(opts: GrpcFlags, hostname: string): GrpcOutput | undefined {
  if (opts.grpc === undefined) return undefined;
  if (!opts.tlsCa || !opts.tlsCert || !opts.tlsKey) throw new EngineError('EOPTION', '--grpc needs --tls-ca, --tls-cert and --tls-key (mTLS)');
  const fsync = (opts.spoolFsync ?? 'interval') as FsyncPolicy;
  if (!['always', 'interval', 'never'].includes(fsync)) throw new EngineError('EOPTION', `--spool-fsync: expected always, interval or never, got ${JSON.stringify(opts.spoolFsync)}`);
  const maxBytes = opts.spoolMaxBytes !== undefined ? Number(opts.spoolMaxBytes) : undefined;
  if (maxBytes !== undefined && !(maxBytes > 0)) throw new EngineError('EOPTION', `--spool-max-bytes: expected a positive number, got ${JSON.stringify(opts.spoolMaxBytes)}`);
  return new GrpcOutput({
    address: opts.grpc, tls: { ca: opts.tlsCa, cert: opts.tlsCert, key: opts.tlsKey }, token: opts.token ?? process.env.SENSORD_TOKEN, serverName: opts.tlsServerName,
    spoolDir: opts.spool ?? '/var/lib/sensord/spool', spoolMaxBytes: maxBytes, fsync, hostname,
  });
}
