import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
// client-node 1.4 hands out node-fetch options (an https.Agent carrying the client certificate), so
// raw requests go through node-fetch too.
import fetch from 'node-fetch';
import { countRequest } from './metrics.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly method: string, readonly path: string, readonly reason: string) {
    super(`${method} ${path}: ${status} ${reason}`);
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
}

/** The kinds kaic reads or creates: group/version/plural, so paths never depend on guesswork. */
export const KINDS = {
  Namespace: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  Node: { group: '', version: 'v1', plural: 'nodes', namespaced: false },
  Pod: { group: '', version: 'v1', plural: 'pods', namespaced: true },
  Event: { group: '', version: 'v1', plural: 'events', namespaced: true },
  ConfigMap: { group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  ServiceAccount: { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true },
  Job: { group: 'batch', version: 'v1', plural: 'jobs', namespaced: true },
  DeviceClass: { group: 'resource.k8s.io', version: 'v1', plural: 'deviceclasses', namespaced: false },
  ResourceSlice: { group: 'resource.k8s.io', version: 'v1', plural: 'resourceslices', namespaced: false },
  ResourceClaim: { group: 'resource.k8s.io', version: 'v1', plural: 'resourceclaims', namespaced: true },
  ResourceClaimTemplate: { group: 'resource.k8s.io', version: 'v1', plural: 'resourceclaimtemplates', namespaced: true },
  PodGroup: { group: 'scheduling.k8s.io', version: 'v1beta1', plural: 'podgroups', namespaced: true },
  Workload: { group: 'scheduling.k8s.io', version: 'v1beta1', plural: 'workloads', namespaced: true },
  CustomResourceDefinition: { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false },
  RuntimeClass: { group: 'node.k8s.io', version: 'v1', plural: 'runtimeclasses', namespaced: false },
} as const;
export type Kind = keyof typeof KINDS;

export function collectionPath(kind: Kind, namespace?: string): string {
  const k = KINDS[kind];
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return k.namespaced && namespace ? `${base}/namespaces/${namespace}/${k.plural}` : `${base}/${k.plural}`;
}

export function objectPath(kind: Kind, name: string, namespace?: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}

/** A request through client-node's auth (certificates, tokens, exec plugins); returns parsed JSON. */
export async function rawRequest(kc: KubeConfig, method: string, path: string, body?: unknown, opts: { contentType?: string; signal?: AbortSignal } = {}): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  countRequest();
  const init: { method: string; headers: Record<string, string>; body?: string; agent?: unknown; signal?: AbortSignal } = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = opts.contentType ?? 'application/json';
  }
  const applied = (await kc.applyToFetchOptions(init as never)) as { agent?: unknown; headers?: Record<string, string> };
  init.agent = applied.agent;
  init.headers = { ...(applied.headers ?? {}), ...init.headers };
  if (opts.signal) init.signal = opts.signal;
  const res = await fetch(`${cluster.server.replace(/\/$/, '')}${path}`, init as never);
  const text = await res.text();
  if (res.status >= 400) {
    let reason = text.slice(0, 300);
    try {
      reason = (JSON.parse(text) as { message?: string }).message ?? reason;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, method, path, reason);
  }
  return text ? JSON.parse(text) : undefined;
}

export interface ObjectList<T = KubernetesObject> {
  metadata: { resourceVersion: string };
  items: T[];
}

export async function rawList<T = KubernetesObject>(kc: KubeConfig, path: string, query: Record<string, string> = {}): Promise<ObjectList<T>> {
  const qs = Object.keys(query).length ? `?${new URLSearchParams(query)}` : '';
  return (await rawRequest(kc, 'GET', `${path}${qs}`)) as ObjectList<T>;
}

export async function listObjects<T = KubernetesObject>(kc: KubeConfig, kind: Kind, opts: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {}): Promise<T[]> {
  const q: Record<string, string> = {};
  if (opts.labelSelector) q.labelSelector = opts.labelSelector;
  if (opts.fieldSelector) q.fieldSelector = opts.fieldSelector;
  return (await rawList<T>(kc, collectionPath(kind, opts.namespace), q)).items;
}
