import draSupport from './dra-support.js';
import gangScheduling from './gang-scheduling.js';
import secureAcceleratorAccess from './secure-accelerator-access.js';
import type { Check } from './types.js';

/** One check per requirement id; a requirement without one is NOT-RUN ("no automated check yet"). */
export const CHECKS: ReadonlyMap<string, Check<unknown>> = new Map(
  ([draSupport, secureAcceleratorAccess, gangScheduling] as Check<never>[]).map((c) => [c.id, c as unknown as Check<unknown>]),
);
