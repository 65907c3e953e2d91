// source/: where events enter — the live probe and .scap captures. Public surface of the stage.
export { LiveSource, LiveSourceError, openLiveSource, type LiveOptions, type LiveStats } from './live.js';
