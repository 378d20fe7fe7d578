import type { Capacity } from '../checks/api.js';

interface Waiter {
  readonly id: string;
  readonly want: Capacity;
  readonly candidates: readonly string[];
  readonly resolve: (nodes: string[]) => void;
}

/**
 * Accelerator capacity as leases on whole nodes: two checks never share a node, so one check's pods
 * cannot fill the capacity another one measures (a gang that "cannot fit" only because another check
 * holds the devices proves nothing). A check asking for 'all' leaves one node to each fixed-size check
 * that has started too, where there are enough nodes to go round; otherwise the checks take turns.
 */
export class NodeLeases {
  private readonly held = new Map<string, string>();
  private readonly queue: Waiter[] = [];
  /** Checks that declared capacity and have started, but hold no lease yet. */
  private readonly expected = new Map<string, Capacity>();

  /** A check that declares capacity has started (it will ask once discovery is done). */
  expect(id: string, want: Capacity): void {
    this.expected.set(id, want);
  }

  acquire(id: string, want: Capacity, candidates: readonly string[], signal: AbortSignal): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      const w: Waiter = { id, want, candidates, resolve };
      this.queue.push(w);
      signal.addEventListener(
        'abort',
        () => {
          const i = this.queue.indexOf(w);
          if (i >= 0) {
            this.queue.splice(i, 1);
            this.expected.delete(id);
            reject(signal.reason);
            this.grant();
          }
        },
        { once: true },
      );
      this.grant();
    });
  }

  /** The check is over (or never asked): its nodes go back. */
  release(id: string): void {
    this.expected.delete(id);
    for (const [node, holder] of [...this.held]) if (holder === id) this.held.delete(node);
    this.grant();
  }

  private grant(): void {
    for (const w of [...this.queue]) {
      const free = w.candidates.filter((n) => !this.held.has(n));
      let take: string[] | undefined;
      if (w.want.acceleratorNodes === 'all') {
        const min = Math.max(1, w.want.min ?? 1);
        const reserve = [...this.expected].filter(([id, c]) => id !== w.id && c.acceleratorNodes !== 'all').length;
        if (free.length - reserve >= min) take = free.slice(0, free.length - reserve);
        // Nobody holds anything: never starve, but still leave what the reserve allows.
        else if (this.held.size === 0 && free.length >= min) take = free.slice(0, Math.max(min, free.length - reserve));
      } else {
        const n = Math.min(Math.max(1, w.want.acceleratorNodes), w.candidates.length);
        if (n > 0 && free.length >= n) take = free.slice(0, n);
      }
      if (!take) continue;
      for (const node of take) this.held.set(node, w.id);
      this.queue.splice(this.queue.indexOf(w), 1);
      this.expected.delete(w.id);
      w.resolve(take);
    }
  }
}
