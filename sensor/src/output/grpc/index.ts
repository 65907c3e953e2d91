// output/grpc/: the gRPC output (spool, at-least-once stream, mTLS) and the reference collector. Public surface.
export { GrpcOutput, type GrpcOutputOptions, type GrpcOutputStats, type StatusCounters } from './client.js';
export { Spool, type FsyncPolicy, type GapRecord, type SpoolOptions, type SpoolStats, type SpooledAlert } from './spool.js';
export { Collector, type CollectorOptions, type SensorSummary, type StatusMessage } from './collector.js';
export { alertFromJsonLine, alertStreamService, mitreFromTags, protoRoot, rfc3339ToNs } from './proto.js';
