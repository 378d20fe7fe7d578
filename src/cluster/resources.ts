/** One API resource as discovery serves it: enough to build any path without guessing. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

export const groupVersion = (t: Pick<ResourceType, 'group' | 'version'>) => (t.group ? `${t.group}/${t.version}` : t.version);

export function collectionPath(t: Pick<ResourceType, 'group' | 'version' | 'plural' | 'namespaced'>, namespace?: string): string {
  const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  return t.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${t.plural}` : `${base}/${t.plural}`;
}

export function objectPath(t: Pick<ResourceType, 'group' | 'version' | 'plural' | 'namespaced'>, name: string, namespace?: string): string {
  return `${collectionPath(t, namespace)}/${encodeURIComponent(name)}`;
}

/** `apps/v1` → { group: 'apps', version: 'v1' }; `v1` → core. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The resource types a cluster serves, by group/version and kind. */
export class ResourceIndex {
  private readonly byGv = new Map<string, ResourceType[]>();

  constructor(entries: Iterable<[string, readonly { name: string; kind: string; namespaced: boolean; verbs: readonly string[] }[]]>) {
    for (const [gv, list] of entries) {
      const { group, version } = splitApiVersion(gv);
      this.byGv.set(gv, list.filter((r) => !r.name.includes('/')).map((r) => ({ group, version, plural: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs })));
    }
  }

  groupVersions(): string[] {
    return [...this.byGv.keys()];
  }

  serves(gv: string, plural: string): boolean {
    return this.get(gv, plural) !== undefined;
  }

  get(gv: string, plural: string): ResourceType | undefined {
    return this.byGv.get(gv)?.find((r) => r.plural === plural);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byGv.get(apiVersion)?.find((r) => r.kind === kind);
  }

  /** The served versions of a group, newest API levels first as discovery lists them. */
  versionsOf(group: string): string[] {
    return this.groupVersions().filter((gv) => splitApiVersion(gv).group === group).map((gv) => splitApiVersion(gv).version);
  }
}
