// source/: where events enter — the live probe and .scap captures. Public surface of the stage.
export { LiveSource, LiveSourceError, openLiveSource, type LiveOptions, type LiveStats } from './live.js';
export { openScap, BlockType, type ScapReader, type ScapBatch, type ScapItem, type ScapSection } from './scap-reader.js';
export { ScapError } from './errors.js';
export { ScapWriter } from './scap-writer.js';
export { readProcSnapshot } from './proc-snapshot.js';
