/**
 * The process-wide interrupt: cli/main.ts turns the first SIGINT/SIGTERM into this signal's abort
 * (the engine then cleans up); a second one exits at once.
 */
export const interrupt = new AbortController();

/** The run in progress, so a second Ctrl-C can name the exact cleanup command. */
export const runInfo: { id?: string } = {};
