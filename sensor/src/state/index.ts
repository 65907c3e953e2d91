// state/: what the sensor knows about the machine between events — threads and their fd tables.
// Public surface of the stage.
export { SystemState, concatenatePaths, fdFromMetadata, paramIndexOf, type StateLimits } from './system-state.js';
export { ThreadTable, newEnterState, DEFAULT_MAX_THREADS, type ThreadInfo, type EnterState } from './thread-table.js';
export { FdTable, L4Proto, SocketRole, newFdInfo, fdTypeChar, l4Char, DEFAULT_FDS_PER_PROCESS, type FdInfo } from './fd-table.js';
