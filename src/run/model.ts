export { tally, packageStatus, type RunResult } from '../results/index.js';
