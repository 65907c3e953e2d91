// rules/: conditions, operators and fields evaluated on events. Public surface of the stage.
export * from './fields/index.js';
