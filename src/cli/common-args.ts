import { normalizeVersion } from '../standard/catalog.js';
import { UsageError } from './exit-codes.js';

export const checklistArgs = {
  checklist: { type: 'string', description: 'Official checklist: a file, or a folder of AIConformance-X.Y.yaml files (default: cache, else download)' },
  offline: { type: 'boolean', description: 'Never use the network', default: false },
} as const;

export function versionArg(raw: unknown, flag = '--version'): string {
  if (typeof raw !== 'string' || raw === '') throw new UsageError(`${flag} is required (for example v1.37)`);
  const v = normalizeVersion(raw);
  if (!v) throw new UsageError(`${flag} ${raw}: not a Kubernetes minor version such as v1.37`);
  return v;
}

export function oneOf<T extends string>(raw: unknown, allowed: readonly T[], flag: string): T {
  const v = String(raw);
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${flag} ${v}: expected one of ${allowed.join(', ')}`);
  return v as T;
}

/** `--only a,b --only c` → ['a','b','c'] */
export function listArg(raw: unknown): string[] {
  const items = Array.isArray(raw) ? raw : raw === undefined || raw === '' ? [] : [raw];
  return items.flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
}
