import type { KubernetesObject, V1Node, V1Pod } from '@kubernetes/client-node';
import type { CaseOutcome, CreatedObject, NotRunReason } from '../results/index.js';
import type { ImageName, ImageSet } from './images.js';
import type { AcceleratorProfile } from './profiles/accelerators.js';
import type { SettingsOf, SettingsSpec } from './settings.js';

/**
 * The contract between a check and the engine. A check declares what it uses (API resources,
 * settings, images, capacity, its own timeout); discovery reads, proving writes only through the
 * scope; a case ends with a verdict. Checks get no Kubernetes client and never catch errors: every
 * error that is not the expected behaviour's own timeout goes to the engine's classifier
 * (interrupted, RBAC, API error, missing image) and can never become a FAIL.
 */

export type KObject = KubernetesObject & { spec?: unknown; status?: unknown; [k: string]: unknown };
export interface TypeRef {
  readonly apiVersion: string;
  readonly kind: string;
}
export interface ObjRef extends TypeRef {
  readonly name: string;
  readonly namespace?: string;
}
export interface Query extends TypeRef {
  /** '' for every namespace; the check's own by default. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Served from the API server's watch cache (milliseconds old, indexed): for sizing on large clusters. */
  readonly cached?: boolean;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'delete' | 'patch' | 'update';
/** An API resource a check reads or writes; RBAC, the leak sweep and the docs derive from these. */
export interface Uses {
  readonly group: string;
  readonly resources: readonly string[];
  readonly verbs: readonly Verb[];
}

/** How a wait ended: the awaited state, or the deadline with what was last seen. */
export type WaitOutcome<T> = { readonly ok: true; readonly value: T; readonly at: number } | { readonly ok: false; readonly message: string; readonly lastSeen: string };

/** What discovery knows about the cluster, read once per run and shared. */
export interface ClusterFacts {
  readonly version: { readonly gitVersion: string; readonly major: string; readonly minor: string };
  readonly nodes: readonly V1Node[];
  serves(apiVersion: string, plural: string): boolean;
  /** The verbs discovery lists for a resource. */
  verbs(apiVersion: string, plural: string): readonly string[];
  /** Served versions of an API group, e.g. resource.k8s.io → ['v1', 'v1beta2']. */
  servedVersions(group: string): readonly string[];
  /** Group versions that are registered but whose backend failed (503 and the like). */
  readonly unavailable: ReadonlyMap<string, string>;
  /** A kwok node: containers never run there. */
  isSimulated(node: string): boolean;
  readonly allSimulated: boolean;
}

export interface DiscoverContext<S> {
  readonly cluster: ClusterFacts;
  readonly settings: S;
  readonly accelerator: AcceleratorProfile;
  readonly images: ImageSet;
  readonly signal: AbortSignal;
  /** A whole collection, cluster-wide, from the run's shared snapshot. */
  list<T = KObject>(type: TypeRef): Promise<T[]>;
  /**
   * A collection read page by page, keeping only what `pick` returns (undefined: nothing): for kinds
   * that are large on a big cluster, pods above all, when a little of each object is needed. Bounded
   * memory, not shared: each call reads. `namespace` narrows a namespaced kind.
   */
  scan<T = KObject, R = unknown>(type: TypeRef & { readonly namespace?: string }, pick: (item: T) => R | undefined): Promise<R[]>;
}

export type Discovery<Env> =
  | { readonly ready: true; readonly env: Env; readonly found: Record<string, string>; /** Nodes the check may be leased (capacity); [] for none. */ readonly nodes?: readonly string[]; /** What this cluster needs instead of the declared capacity (e.g. one node per allocation path). */ readonly capacity?: Capacity }
  | { readonly ready: false; readonly reason: NotRunReason; readonly detail: string; readonly remedy?: string; readonly found?: Record<string, string> };

export interface CaseHandle {
  pass(observed: string): void;
  fail(expected: string, observed: string): void;
  notRun(reason: NotRunReason, detail: string, remedy?: string): void;
  /** This allocation path or mechanism is not what the cluster uses. */
  notApplicable(because: string): void;
  log(line: string): void;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** The body was longer than `maxBytes`: only its start is here. */
  readonly truncated?: boolean;
}

export interface DirectAnswer extends HttpAnswer {
  /** Why no HTTP answer came (refused, reset, timed out, no route): status is 0. */
  readonly error?: string;
}

export interface PrometheusClient {
  readonly endpoint: string;
  /** An instant query; the `data.result` vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Any read of its HTTP API (`/api/v1/status/config`, `/api/v1/targets`): the status and body. */
  get(path: string): Promise<HttpAnswer>;
}

/** The only way a check touches the cluster while proving. */
export interface CheckScope<S = Record<string, unknown>> {
  readonly namespace: string;
  readonly signal: AbortSignal;
  readonly settings: S;
  readonly accelerator: AcceleratorProfile;
  readonly images: ImageSet;
  readonly cluster: ClusterFacts;
  /** The accelerator nodes leased to this check (its declared capacity); empty if it declared none. */
  readonly nodes: readonly string[];
  /**
   * Runs one declared case. Objects applied inside it are removed after its verdict is recorded
   * (bounded, never changing the verdict; a failure to remove is reported as a leak).
   */
  case(name: string, fn: (c: CaseHandle) => Promise<void>): Promise<CaseOutcome>;
  /** Creates any kind (resolved through discovery), labelled with the run, tracked and swept. */
  apply<T extends KObject>(obj: T): Promise<T>;
  /** Deletes an object; with `wait`, until it is gone (or the bound passes: then it is a leak). */
  remove(ref: ObjRef, opts?: { wait?: boolean }): Promise<void>;
  /** Server-side dry-run create: the API server's verdict, admission webhooks included. */
  dryRun(obj: KObject): Promise<{ allowed: true } | { allowed: false; status: number; message: string; /** The admission webhook the API server could not call. */ unreachable?: string }>;
  get<T = KObject>(ref: ObjRef): Promise<T | undefined>;
  list<T = KObject>(q: Query): Promise<T[]>;
  /**
   * A container's log, at most `limitBytes` (8 MiB by default). Another namespace's pods (a platform's
   * own workloads) with `namespace`; only the last `sinceSeconds` with that.
   */
  logs(pod: string, container?: string, opts?: { namespace?: string; sinceSeconds?: number; limitBytes?: number }): Promise<string>;
  waitFor<T>(q: Query, what: string, done: (items: ReadonlyMap<string, KObject>) => T | undefined, opts: { timeoutMs: number; describe?: (items: ReadonlyMap<string, KObject>) => string }): Promise<WaitOutcome<T>>;
  /** For negative claims: watches for `violation` for the whole window. */
  holdsFor(q: Query, what: string, violation: (items: ReadonlyMap<string, KObject>) => string | undefined, windowMs: number): Promise<{ held: true } | { held: false; violation: string; at: number }>;
  waitForCondition(ref: ObjRef, type: string, opts: { status?: string; timeoutMs: number }): Promise<WaitOutcome<KObject>>;
  /**
   * Waits for named pods of this namespace to reach a phase. A pod whose image cannot be had throws
   * ImageUnavailable (NOT-RUN, never FAIL); a timeout says each pod's waiting reason.
   */
  waitForPods(names: readonly string[], state: 'Scheduled' | 'Running' | 'Finished', timeoutMs: number): Promise<WaitOutcome<Map<string, V1Pod>>>;
  /** For things that have no watch: calls `fn` every `intervalMs` until it returns a value. */
  poll<T>(what: string, fn: () => Promise<T | undefined>, opts: { intervalMs: number; timeoutMs: number; describe?: () => string }): Promise<WaitOutcome<T>>;
  /**
   * A request through the API server's proxy: to a Service (default), to one pod, or to a port on a
   * node's address (`kind: 'node'`, `name` the node: host-network exporters).
   */
  http(target: { name: string; port: number | string; namespace?: string; scheme?: 'http' | 'https'; kind?: 'service' | 'pod' | 'node' }, path: string, opts?: { method?: string; body?: string; headers?: Readonly<Record<string, string>>; timeoutMs?: number; maxBytes?: number; /** No retry on a reset or a timeout: a request that must be sent exactly once. */ once?: boolean }): Promise<HttpAnswer>;
  /**
   * A request from where kaic runs straight to an address (a Gateway's), not through the API server.
   * A connection that fails is an answer (`status` 0 and `error`), not an exception: it is what the
   * address did. Ctrl-C still interrupts.
   */
  request(url: string, opts?: { method?: string; headers?: Readonly<Record<string, string>>; body?: string; timeoutMs?: number; maxBytes?: number }): Promise<DirectAnswer>;
  /** A short-lived pod that runs `command` to completion; its log and exit code. */
  clientPod(name: string, command: readonly string[], opts?: { image?: ImageName; node?: string; tolerations?: readonly { key: string; operator: string }[]; timeoutMs?: number }): Promise<WaitOutcome<{ exitCode: number; log: string; node: string }>>;
  /** `--prometheus`, when given or discovered. */
  readonly prometheus?: PrometheusClient;
  /** A user fixture (`--fixture NAME=FILE`), templated and applied; undefined when not given. */
  fixture(name: string, vars: Readonly<Record<string, string>>): Promise<KObject[] | undefined>;
  evidence(name: string, content: string): void;
  log(line: string): void;
}

export interface Capacity {
  /** Accelerator nodes this check needs to itself; 'all' takes what is free (at least `min`). */
  readonly acceleratorNodes: number | 'all';
  readonly min?: number;
}

export interface CheckDefinition<Env, S extends SettingsSpec> {
  readonly id: string;
  /** The go-test name in artifacts: upstream's where it has one. */
  readonly testName: string;
  /** One line for docs/checks.md. */
  readonly summary: string;
  /** What the cluster needs for the check to run (docs/checks.md). */
  readonly needs?: string;
  /** What the check cannot prove, said plainly (docs/checks.md). */
  readonly cannotProve?: string;
  /** Declared up front, so unreached cases show as not-run. */
  readonly cases: readonly string[];
  readonly uses: readonly Uses[];
  readonly settings: S;
  readonly images: readonly ImageName[];
  /** Accelerator capacity this check consumes; two checks never share a leased node. */
  readonly capacity?: Capacity;
  /** For docs/checks.md, when discovery decides the capacity (`Discovery.capacity`): what is leased. */
  readonly capacityNote?: string;
  /** The longest the check may take (the run's --timeout caps it). */
  readonly timeoutMs: number;
  discover(ctx: DiscoverContext<SettingsOf<S>>): Promise<Discovery<Env>>;
  prove(env: Env, scope: CheckScope<SettingsOf<S>>): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds checks of any Env and settings
export type Check = CheckDefinition<any, SettingsSpec>;

export const defineCheck = <Env, S extends SettingsSpec>(c: CheckDefinition<Env, S>): CheckDefinition<Env, S> => c;

/** A container's waiting reasons that mean its image cannot be had. */
export const IMAGE_PULL_FAILURES: ReadonlySet<string> = new Set(['ErrImageNeverPull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImagePull']);

/** A pod's image cannot be pulled or is not present (ErrImageNeverPull, ImagePullBackOff). */
export class ImageUnavailable extends Error {
  constructor(readonly pod: string, readonly image: string, readonly reason: string) {
    super(`pod ${pod} cannot start: ${reason} for image ${image}`);
  }
}

/** A kind the check applies is not served by this cluster. */
export class NotServed extends Error {}

/** The cluster cannot host a check's objects right now (e.g. a namespace never gets its ServiceAccount). */
export class ClusterNotReady extends Error {}

export type { CreatedObject };
