export * from './outcome.js';
export * from './check-result.js';
export * from './run-result.js';
