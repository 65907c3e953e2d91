// state/: what the sensor knows about the machine between events — threads (process tree), their fd tables,
// users, groups and container ids — kept the way libsinsp keeps them. Public surface of the stage.
export {
  SystemState, concatenatePaths, fdFromMetadata, paramIndexOf, type StateLimits, type StateStats,
} from './system-state.js';
export {
  ThreadTable, newEnterState, newThreadInfo, DEFAULT_MAX_THREADS, UNKNOWN_ID,
  type ThreadInfo, type EnterState, type ThreadTableStats,
} from './thread-table.js';
export {
  FdTable, L4Proto, SocketRole, SockFamily, newFdInfo, newFdStats, fdTypeChar, l4Char, DEFAULT_FDS_PER_PROCESS,
  type FdInfo, type FdStats,
} from './fd-table.js';
export { UserTable, GroupTable, IdTable, DEFAULT_MAX_USERS, type UserInfo, type GroupInfo, type IdTableStats } from './users.js';
export {
  ContainerIdResolver, containerIdFromCgroupPath, containerIdFromCgroups, HOST_CONTAINER, type ContainerId,
} from './container-id.js';
export { EventSequencer } from './sequencer.js';
