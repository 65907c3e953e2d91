// output/: where alerts leave sensord — one bounded queue in front of leaf outputs (stdout, file; gRPC/HTTP
// later), each counting init/write/flush/close. Public surface of the stage.
export { OutputError, type Alert, type AlertOutput, type OutputCounters, type OutputErrorCode } from './types.js';
export { PRIORITY_TEXT, jsonLine, rfc3339Nano, textLine } from './format.js';
export { OutputQueue, type OutputQueueOptions, type QueueStats } from './queue.js';
export { StdoutOutput, FileOutput } from './stream.js';
export { detectionSummary, type RuleCount } from './summary.js';
export { HttpOutput, parseHeader, type HttpOutputOptions, type HttpOutputStats } from './http.js';
