import { AsyncLocalStorage } from 'node:async_hooks';

/** API requests per check (the engine runs each check inside `withCheck`), for `npm run bench`. */
const current = new AsyncLocalStorage<string>();
const counts = new Map<string, number>();

export const withCheck = <T>(id: string, fn: () => Promise<T>): Promise<T> => current.run(id, fn);
export function countRequest(): void {
  const id = current.getStore() ?? 'run';
  counts.set(id, (counts.get(id) ?? 0) + 1);
}
export function requestCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}
export function resetRequestCounts(): void {
  counts.clear();
}
