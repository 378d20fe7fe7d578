import { defineCheck, type CaseHandle, type CheckScope, type DirectAnswer, type KObject } from './api.js';
import { nodeName, realNodes, tolerationsFor } from './support/nodes.js';
import { onNodes, restrictedPod } from './support/pods.js';
import { judgeSplit, pct, requestsNeeded } from './support/split.js';
import { choice, duration, integer, text } from './settings.js';

/**
 * ai_inference: the Gateway API routes inference traffic as asked. Echo backends behind one Gateway;
 * an HTTPRoute with 80/20 weights must split real requests 80/20 (a binomial interval that excludes
 * 50/50, 100/0 and a split per pod), a route on an OpenAI-style model header must send every
 * request to its model's backend, and a request no rule matches must reach neither.
 *
 * Answers are sorted before anything is judged: routed (a backend answered), contradicting (a 404,
 * another service's 200, the wrong backend: only these FAIL a measurement), and lost (no HTTP
 * answer, 5xx, 403, 429, redirects: the environment). A measurement with more than a few lost
 * answers is judged only after the routes serve again; if they never do within the timeout, that
 * is the FAIL (the Gateway stopped routing), otherwise it is no verdict.
 */

const GROUP = 'gateway.networking.k8s.io';
const GW = `${GROUP}/v1`;
/** The header inference gateways route on (the Gateway API Inference Extension's body-based routing sets it). */
export const MODEL_HEADER = 'X-Gateway-Model-Name';
const PORT = 8080;
/** Backend → weight; echo-b has two pods, so weights applied per pod instead of per backend show (a 1/3 share). */
const WEIGHTS = { a: 80, b: 20 } as const;
const PODS = { a: 1, b: 2 } as const;
const EXPECTED = WEIGHTS.a / (WEIGHTS.a + WEIGHTS.b);
/** How weights are commonly lost: ignored (an even split over backends, or over pods), or one backend only. */
export const LOST_WEIGHTS = [
  { share: 0.5, name: 'an even split (weights ignored)' },
  { share: PODS.a / (PODS.a + PODS.b), name: 'an even split over pods (weights ignored)' },
  { share: 1, name: 'every request to the first backend' },
  { share: 0, name: 'every request to the second backend' },
];
/** The model header sequence: runs of one to four, which no round-robin over the two backends follows. */
export const MODEL_SEQUENCE = 'aaabbabbbbaababbbaaaabbaabaaabbbabbaaaba';
/** Requests in a row each route must serve before anything is measured (a settled data plane). */
const SETTLED = 5;
/** Lost answers a measurement tolerates (left out of it, and said). */
const LOST_TOLERANCE = 0.02;

type Backend = 'a' | 'b';
interface Env {
  readonly gatewayClass: string;
  readonly controller: string;
  readonly others: readonly string[];
  readonly node: string;
  readonly tolerations: { key: string; operator: string }[];
}
interface Cond { type: string; status: string; reason?: string; message?: string }
interface GatewayObj { status?: { addresses?: { type?: string; value: string }[]; conditions?: Cond[]; listeners?: { name: string; attachedRoutes?: number; conditions?: Cond[] }[] } }
interface RouteObj { status?: { parents?: { parentRef: { name: string }; controllerName?: string; conditions?: Cond[] }[] } }
interface GatewayClassObj { metadata: { name: string }; spec: { controllerName: string }; status?: { conditions?: Cond[] } }

const settings = {
  'gateway.class': text({ description: 'the GatewayClass to prove (default: the first, by name, that its controller accepted)', default: undefined, pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, example: 'traefik' }),
  'gateway.client': choice({ description: 'where requests come from: kaic itself, a pod on the backends\' node, or kaic and then the pod when kaic\'s requests are not routed', values: ['auto', 'direct', 'in-cluster'], default: 'auto' }),
  'gateway.port': integer({ description: 'the Gateway listener\'s port (an implementation may accept listeners only on ports it serves, e.g. Traefik\'s entryPoints)', default: '80', min: 1, max: 65535 }),
  'gateway.requestPort': integer({ description: 'the port requests are sent to at the Gateway\'s address, when it differs from the listener\'s (a load balancer in front); default: the listener\'s', default: undefined, min: 1, max: 65535 }),
  'gateway.requests': integer({ description: 'requests sent to the weighted route (enough that 80/20 is told apart from 50/50, an even split over pods and 100/0 at 99.9%)', default: '400', min: Math.max(100, requestsNeeded(EXPECTED, LOST_WEIGHTS.map((l) => l.share))), max: 2000 }),
  'gateway.timeout': duration({ description: 'how long the Gateway may take to be programmed (a cloud load balancer), its routes to be accepted and to serve', default: '5m', min: '20s', max: '10m' }),
};

export default defineCheck({
  id: 'ai_inference',
  testName: 'TestAIInference',
  summary: `finds the Gateway API (CRD bundle version and channel), its GatewayClasses and controllers, and a service mesh; behind one Gateway of an accepted class, echo backends: once every route has served ${SETTLED} requests in a row, an HTTPRoute weighted ${WEIGHTS.a}/${WEIGHTS.b} must split N real requests so that a 99.9% binomial interval holds 80% and excludes 50/50, an even split over pods and 100/0; a route on the ${MODEL_HEADER} header must send every request of an irregular sequence to its model's backend; a request no rule matches must reach neither (a 404 or the platform's default backend), with matched requests beside it as the control`,
  needs: 'the Gateway API CRDs (v1 Gateway and HTTPRoute), a GatewayClass its controller accepted, a real node for the backends, and the Gateway\'s address reachable from kaic or from a pod (`--set gateway.client=in-cluster`)',
  cannotProve: 'routing on the request body (the model field of a JSON request), TLS listeners, or the Inference Extension\'s endpoint picker (advanced_inference_ingress); a weight within a few percent of 80/20 (e.g. 77/23) is not told apart',
  cases: ['GatewayRoutes', 'WeightedSplit', 'ModelHeaderRouting', 'UnmatchedRequest'],
  uses: [
    { group: GROUP, resources: ['gatewayclasses'], verbs: ['get', 'list'] },
    { group: GROUP, resources: ['gateways', 'httproutes'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'apiextensions.k8s.io', resources: ['customresourcedefinitions'], verbs: ['get', 'list'] },
    { group: '', resources: ['pods', 'services'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods/log', 'events'], verbs: ['get', 'list'] },
  ],
  settings,
  images: ['echo', 'probe'],
  timeoutMs: 45 * 60_000,

  async discover({ cluster, settings: set, list }) {
    const found: Record<string, string> = {};
    const mesh = [['Istio', 'networking.istio.io'], ['Linkerd', 'policy.linkerd.io'], ['Cilium', 'cilium.io'], ['Kuma', 'kuma.io']].filter(([, g]) => cluster.servedVersions(g!).length).map(([n]) => n!);
    found.serviceMesh = mesh.join(', ') || 'none found';
    if (!cluster.serves(GW, 'gateways') || !cluster.serves(GW, 'httproutes')) {
      const any = cluster.servedVersions(GROUP);
      return { ready: false, reason: 'missing-component', detail: any.length ? `the Gateway API is served only at ${any.join(', ')}, without v1 Gateway and HTTPRoute` : 'the Gateway API is not installed: no gateway.networking.k8s.io Gateway or HTTPRoute', remedy: 'install the Gateway API CRDs (standard channel) and an implementation of it', found };
    }
    const crds = await list<{ metadata: { name: string; annotations?: Record<string, string> } }>({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' });
    const a = crds.find((c) => c.metadata.name === `httproutes.${GROUP}`)?.metadata.annotations ?? {};
    found.gatewayApi = `${a[`${GROUP}/bundle-version`] ?? 'unknown bundle version'} (${a[`${GROUP}/channel`] ?? 'unknown'} channel)`;
    const classes = await list<GatewayClassObj>({ apiVersion: GW, kind: 'GatewayClass' });
    const accepted = (c: GatewayClassObj) => c.status?.conditions?.some((x) => x.type === 'Accepted' && x.status === 'True') ?? false;
    found.gatewayClasses = classes.map((c) => `${c.metadata.name} (${c.spec.controllerName}${accepted(c) ? '' : ', not accepted'})`).join(', ') || 'none';
    const wanted = set['gateway.class'];
    const candidates = classes.filter(accepted).sort((x, y) => x.metadata.name.localeCompare(y.metadata.name));
    const pick = wanted ? classes.find((c) => c.metadata.name === wanted) : candidates[0];
    if (wanted && !pick) return { ready: false, reason: 'missing-component', detail: `--set gateway.class=${wanted}: no such GatewayClass (there are: ${classes.map((c) => c.metadata.name).join(', ') || 'none'})`, found };
    if (!pick) return { ready: false, reason: 'missing-component', detail: classes.length ? `no GatewayClass is accepted by its controller (${found.gatewayClasses})` : 'the Gateway API CRDs are installed, but no GatewayClass exists', remedy: 'install a Gateway API implementation (its controller accepts its GatewayClass)', found };
    if (!accepted(pick)) return { ready: false, reason: 'missing-component', detail: `GatewayClass ${pick.metadata.name} is not accepted by its controller ${pick.spec.controllerName}: ${pick.status?.conditions?.find((x) => x.type === 'Accepted')?.message ?? 'no Accepted condition'}`, remedy: 'start the controller that serves it', found };
    const real = realNodes(cluster);
    if (!real.length) return { ready: false, reason: cluster.nodes.length ? 'simulated-nodes' : 'missing-component', detail: 'no real, schedulable node for the echo backends (kwok nodes run no containers)', remedy: 'run against a cluster with real nodes', found };
    const node = real[0]!;
    return { ready: true, env: { gatewayClass: pick.metadata.name, controller: pick.spec.controllerName, others: candidates.map((c) => c.metadata.name).filter((n) => n !== pick.metadata.name), node: nodeName(node), tolerations: tolerationsFor([node], [nodeName(node)]) }, found };
  },

  async prove(env: Env, s) {
    const timeout = s.settings['gateway.timeout'] as number;
    const port = s.settings['gateway.port'] as number;
    const requestPort = (s.settings['gateway.requestPort'] as number | undefined) ?? port;
    const n = s.settings['gateway.requests'] as number;
    const domain = `${s.namespace}.kaic.test`;
    const hosts = { weighted: `weighted.${domain}`, models: `models.${domain}`, unrouted: `unrouted.${domain}` };
    // Names unique to the run, so no other echo server answering can pass for kaic's.
    const tag = shortHash(s.namespace);
    const svc = (b: Backend) => `echo-${b}-${tag}`;
    const pods = (b: Backend) => Array.from({ length: PODS[b] }, (_, i) => `${svc(b)}-${i}`);
    const of = (a: DirectAnswer) => backendOf(a, tag);
    const placement = { tolerations: env.tolerations, affinity: onNodes([env.node]), restartPolicy: 'Always', automountServiceAccountToken: false };
    for (const b of ['a', 'b'] as const) {
      const labels = { 'app.kubernetes.io/name': svc(b) };
      for (const p of pods(b)) await s.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: p, labels }, spec: restrictedPod({ ...placement, containers: [{ name: 'echo', image: s.images.echo, args: ['netexec', `--http-port=${PORT}`], ports: [{ name: 'http', containerPort: PORT }], readinessProbe: { httpGet: { path: '/hostname', port: PORT }, periodSeconds: 2 } }] }) } as KObject);
      await s.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: svc(b), labels }, spec: { selector: labels, ports: [{ name: 'http', port: PORT, targetPort: PORT }] } });
    }
    await s.apply({ apiVersion: GW, kind: 'Gateway', metadata: { name: 'kaic' }, spec: { gatewayClassName: env.gatewayClass, listeners: [{ name: 'http', protocol: 'HTTP', port, hostname: `*.${domain}`, allowedRoutes: { namespaces: { from: 'Same' } } }] } });
    const parentRefs = [{ group: GROUP, kind: 'Gateway', name: 'kaic', sectionName: 'http' }];
    const ref = (b: Backend, weight?: number) => ({ group: '', kind: 'Service', name: svc(b), port: PORT, ...(weight !== undefined ? { weight } : {}) });
    await s.apply({ apiVersion: GW, kind: 'HTTPRoute', metadata: { name: 'weighted' }, spec: { parentRefs, hostnames: [hosts.weighted], rules: [{ backendRefs: [ref('a', WEIGHTS.a), ref('b', WEIGHTS.b)] }] } });
    await s.apply({ apiVersion: GW, kind: 'HTTPRoute', metadata: { name: 'by-model' }, spec: { parentRefs, hostnames: [hosts.models], rules: (['a', 'b'] as const).map((b) => ({ matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: MODEL_HEADER, value: modelOf(b) }] }], backendRefs: [ref(b)] })) } });

    const all = [...pods('a'), ...pods('b')];
    const started = await s.waitForPods(all, 'Running', 180_000);
    const ready = started.ok ? await s.poll('every backend Ready', async () => {
      const got = await Promise.all(all.map((p) => s.get<{ status?: { conditions?: Cond[] } }>({ apiVersion: 'v1', kind: 'Pod', name: p })));
      return got.every((p) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
    }, { intervalMs: 1_000, timeoutMs: 60_000 }) : started;

    // Each route's probe with the backend it must reach ('either' for the weighted route).
    const probes: (Ask & { want?: Backend })[] = [{ host: hosts.weighted }, { host: hosts.models, headers: { [MODEL_HEADER]: modelOf('a') }, want: 'a' }, { host: hosts.models, headers: { [MODEL_HEADER]: modelOf('b') }, want: 'b' }];
    const settleLog: string[] = [];
    /**
     * Every route serves SETTLED requests in a row, each reaching the backend it must, through `cl`
     * before `deadline`. Otherwise what the failing answers were: contradicting (a 404, another
     * service, the wrong model's backend), lost HTTP answers (403, 5xx, 3xx), or connections only;
     * `broken` when the client itself did not run.
     */
    const settle = async (cl: Client, deadline: number): Promise<Settled> => {
      let streak = 0;
      let last = '';
      let broken: string | undefined;
      const seen = { contradicting: '', http: '', connection: '' };
      const r = await s.poll(`every route to serve ${SETTLED} requests in a row (${cl.where})`, async () => {
        const asks = Array.from({ length: cl.burst }, () => probes).flat();
        const burst = await cl.send(asks, { pause: true });
        if (burst.broken) {
          broken = burst.broken;
          streak = 0;
          last = burst.broken;
          return undefined;
        }
        broken = undefined;
        burst.answers.forEach((a, i) => {
          const want = asks[i]!.want;
          const got = of(a);
          settleLog.push(`${cl.where}: ${asks[i]!.host}${want ? ` ${MODEL_HEADER}: ${modelOf(want)}` : ''} → ${describe(a, tag)}`);
          if (got && (!want || got === want)) return void streak++;
          streak = 0;
          last = `${asks[i]!.host}${want ? ` (${modelOf(want)})` : ''} → ${describe(a, tag)}`;
          if (got || isContradicting(a)) seen.contradicting = last;
          else if (a.status) seen.http = last;
          else seen.connection = last;
        });
        return streak >= SETTLED * probes.length ? true : undefined;
      }, { intervalMs: 1_000, timeoutMs: Math.max(1_000, deadline - Date.now()), describe: () => last });
      s.evidence('settle-requests.txt', settleLog.slice(-300).join('\n'));
      if (r.ok) return { ok: true };
      return { ok: false, last, ...(broken ? { broken } : {}), ...seen };
    };
    /** A pod on the backends' node reaches a backend Service directly: the in-cluster client's network works. */
    const podControl = async (): Promise<string | undefined> => {
      const svcObj = await s.get<{ spec?: { clusterIP?: string } }>({ apiVersion: 'v1', kind: 'Service', name: svc('a') });
      const ip = svcObj?.spec?.clusterIP;
      if (!ip || ip === 'None') return `Service ${svc('a')} has no cluster IP`;
      const host = ip.includes(':') ? `[${ip}]` : ip;
      const b = await inCluster(s, `${host}:${PORT}`, env).send([{ host: `${svc('a')}.${s.namespace}.svc` }]);
      if (b.broken) return b.broken;
      return of(b.answers[0]!) === 'a' ? undefined : `a pod on ${env.node} could not reach Service ${svc('a')} itself: ${describe(b.answers[0]!, tag)}`;
    };

    let client: Client | undefined;
    let address = '';
    await s.case('GatewayRoutes', async (c) => {
      if (!ready.ok) return c.notRun('control-failed', `the echo backends did not become Ready on ${env.node}: ${ready.message}`);
      const t = `${Math.round(timeout / 1000)}s`;
      // Presence first (the controller took the Gateway and the routes), then behaviour (routed requests).
      const gw = await s.poll('Gateway kaic to be Programmed', async () => {
        const g = await s.get<GatewayObj>({ apiVersion: GW, kind: 'Gateway', name: 'kaic' });
        return g?.status?.conditions?.some((x) => x.type === 'Programmed' && x.status === 'True') ? g : undefined;
      }, { intervalMs: 2_000, timeoutMs: timeout });
      let g = gw.ok ? gw.value : (await s.get<GatewayObj>({ apiVersion: GW, kind: 'Gateway', name: 'kaic' })) ?? {};
      s.evidence('gateway-status.json', JSON.stringify(g.status ?? {}, null, 2));
      let programmed = 'Programmed';
      if (!gw.ok) {
        const why = await gatewayNotProgrammed(s, g, env);
        if (why.notRun) return c.notRun(why.notRun.reason, why.notRun.detail, why.notRun.remedy);
        if (!why.proceed) return c.fail(`GatewayClass ${env.gatewayClass}'s controller (${env.controller}) programs kaic's Gateway within ${t}`, why.observed);
        programmed = 'Programmed=False (AddressNotAssigned) with an address';
        c.log(why.observed);
      }
      const routesBy = Date.now() + timeout;
      for (const r of ['weighted', 'by-model']) {
        const w = await s.poll(`HTTPRoute ${r} Accepted with its references resolved`, async () => {
          const route = await s.get<RouteObj>({ apiVersion: GW, kind: 'HTTPRoute', name: r });
          const p = route?.status?.parents?.find((x) => x.parentRef.name === 'kaic' && (!x.controllerName || x.controllerName === env.controller));
          const ok = (k: string) => p?.conditions?.some((x) => x.type === k && x.status === 'True');
          return ok('Accepted') && ok('ResolvedRefs') ? true : undefined;
        }, { intervalMs: 1_000, timeoutMs: Math.max(1_000, routesBy - Date.now()), describe: () => 'not Accepted and ResolvedRefs' });
        if (!w.ok) {
          const route = await s.get<RouteObj>({ apiVersion: GW, kind: 'HTTPRoute', name: r });
          return c.fail(`HTTPRoute ${r} is Accepted by Gateway kaic (${env.controller}) with its backends resolved within ${t}`, JSON.stringify(route?.status?.parents ?? 'no status').slice(0, 600));
        }
      }
      g = (await s.get<GatewayObj>({ apiVersion: GW, kind: 'Gateway', name: 'kaic' })) ?? g;
      const addresses = (g.status?.addresses ?? []).map((x) => x.value).filter(Boolean);
      if (!addresses.length) return c.notRun('no-verdict', 'the Gateway has no address in its status, so there is nowhere to send a request', 'check that the implementation publishes Gateway addresses (a LoadBalancer provider, for some)');
      // The control for everything after: each route serves SETTLED times in a row, from kaic or a pod.
      // Each attempt has the whole timeout from now (a load balancer registers targets after Programmed).
      const mode = s.settings['gateway.client'] as 'auto' | 'direct' | 'in-cluster';
      const outcomes: { where: string; target: string; r: Settled }[] = [];
      for (const addr of addresses) {
        const target = `${addr.includes(':') && !addr.startsWith('[') ? `[${addr}]` : addr}:${requestPort}`;
        for (const m of mode === 'auto' ? (['direct', 'in-cluster'] as const) : [mode]) {
          const cl = m === 'direct' ? direct(s, target) : inCluster(s, target, env);
          const r = await settle(cl, Date.now() + Math.max(timeout, 60_000));
          if (r.ok) {
            client = cl;
            address = target;
            return c.pass(`Gateway kaic (class ${env.gatewayClass}, ${env.controller}) is ${programmed} at ${target}; both routes are Accepted; each route served ${SETTLED} requests in a row, each to the backend it must, from ${cl.where}`);
          }
          outcomes.push({ where: cl.where, target, r });
        }
      }
      const text = outcomes.map((o) => `from ${o.where} to ${o.target}: ${o.r.last}`).join('; ');
      // Judged on everything seen: a route answered wrongly is the behaviour failing.
      const contra = outcomes.find((o) => o.r.contradicting);
      if (contra) return c.fail(`the Gateway routes requests for ${hosts.weighted} and ${hosts.models} to the backends they name within ${t} of their routes being Accepted`, `from ${contra.where} to ${contra.target}: ${contra.r.contradicting} (${text})`);
      const psa = await podSecurityRefusal(s);
      if (psa) return c.notRun('control-failed', psa, 'run ai_inference against a class whose data plane lives elsewhere');
      const broken = outcomes.find((o) => o.r.broken);
      if (broken) return c.notRun('control-failed', `the in-cluster client did not run: ${broken.r.broken}`, 'check that a busybox pod can run on the node');
      const http = outcomes.find((o) => o.r.http);
      if (http) return c.notRun('no-verdict', `the Gateway's address answered, but not from the backends: ${http.r.http} (an error, a refusal or a redirect, not a route's answer) — ${text}`, 'check what stands in front of the Gateway (a WAF, a proxy, an HTTPS redirect), or use --set gateway.client=in-cluster');
      // Connections only: a FAIL needs the pod's own network to work (it reached a backend Service directly).
      if (!outcomes.some((o) => o.where !== 'kaic')) return c.notRun('no-verdict', `kaic could not connect to the Gateway: ${text}`, 'kaic may be outside the Gateway\'s network: use --set gateway.client=in-cluster (or auto)');
      const ctl = await podControl();
      if (ctl) return c.notRun('control-failed', `no connection to the Gateway, and the in-cluster client's own network did not work either: ${ctl}`);
      return c.fail(`the Gateway at ${outcomes.map((o) => o.target).join(', ')} accepts connections for its Accepted routes within ${t}`, `${text}; a pod on ${env.node} reached a backend Service directly, so its network works`);
    });

    /**
     * Lost answers beyond the tolerance: judged once the routes settle again. The same client was
     * routed before (the control), so a route that never comes back within the timeout is the FAIL,
     * unless what it answers is an error, a refusal or a redirect (no verdict); coming back is no
     * verdict either.
     */
    const lostVerdict = async (c: CaseHandle, lost: string[], total: number, what: string) => {
      const again = await settle(client!, Date.now() + Math.max(timeout, 60_000));
      const head = `${lost.length} of ${total} requests to ${what} got no routed answer (${lost[0]})`;
      if (again.ok) return c.notRun('no-verdict', `${head}, though the routes serve again: kaic does not judge a measurement with that many lost`, 'run again; if it recurs, look at the data plane\'s errors');
      if (again.broken) return c.notRun('control-failed', `${head}, and the in-cluster client then failed: ${again.broken}`);
      const psa = await podSecurityRefusal(s);
      if (psa) return c.notRun('control-failed', psa);
      if (again.http && !again.contradicting) return c.notRun('no-verdict', `${head}, and it still answers ${again.http}: an error, a refusal or a redirect, not a route's answer`, 'look at the data plane\'s errors and run again');
      return c.fail(`the Gateway at ${address} keeps routing ${what} (it served every route ${SETTLED} times in a row before, from ${client!.where})`, `${head}, and it did not route again within ${Math.round(Math.max(timeout, 60_000) / 1000)}s: ${again.contradicting || again.connection || again.last}`);
    };

    await s.case('WeightedSplit', async (c) => {
      if (!client) return c.notRun('control-failed', 'the routes never served (GatewayRoutes), so a split would measure nothing');
      const batch = await client.send(Array.from({ length: n }, () => ({ host: hosts.weighted })));
      if (batch.broken) return c.notRun('control-failed', `the in-cluster client failed: ${batch.broken}`);
      const sorted = sort(batch.answers, tag);
      s.evidence('weighted-split.txt', [
        `requests ${n} from ${client.where} to ${address} (Host ${hosts.weighted}), weights ${svc('a')} ${WEIGHTS.a} / ${svc('b')} ${WEIGHTS.b} (${PODS.b} pods)`,
        `${svc('a')} ${sorted.a}`, `${svc('b')} ${sorted.b}`, `contradicting ${sorted.wrong.length}`, `lost ${sorted.lost.length}`,
        `sequence ${batch.answers.map((x) => of(x) ?? '-').join('')}`,
        ...[...sorted.wrong, ...sorted.lost].slice(0, 20).map((x) => `  ${x}`),
      ].join('\n'));
      if (sorted.wrong.length) return c.fail(`every request to the weighted route reaches ${svc('a')} or ${svc('b')}`, `${sorted.wrong.length} of ${n} were answered otherwise: ${sorted.wrong[0]}`);
      if (sorted.lost.length > LOST_TOLERANCE * n) return lostVerdict(c, sorted.lost, n, 'the weighted route');
      const routed = sorted.a + sorted.b;
      const j = judgeSplit(sorted.a, routed, EXPECTED, LOST_WEIGHTS);
      const seen = `${svc('a')} ${sorted.a} / ${svc('b')} ${sorted.b} of ${routed} routed${sorted.lost.length ? ` (${sorted.lost.length} lost, left out)` : ''}: ${pct(j.share)} to ${svc('a')}, 99.9% interval ${pct(j.interval.low)}–${pct(j.interval.high)}`;
      if (j.verdict === 'disagrees') return c.fail(`requests split ${WEIGHTS.a}/${WEIGHTS.b} between the two backends (the 99.9% interval holds ${pct(EXPECTED)})`, `${seen}${j.lookslike ? `, consistent with ${j.lookslike}` : ''}`);
      if (j.verdict === 'inconclusive') return c.notRun('no-verdict', `${seen}: too few requests to tell ${WEIGHTS.a}/${WEIGHTS.b} from ${LOST_WEIGHTS.map((l) => l.name).join(' or ')}`, 'raise --set gateway.requests');
      c.pass(`${seen}: consistent with ${WEIGHTS.a}/${WEIGHTS.b}, and excludes 50/50, an even split over pods and 100/0`);
    });

    await s.case('ModelHeaderRouting', async (c) => {
      if (!client) return c.notRun('control-failed', 'the routes never served (GatewayRoutes)');
      const want = [...MODEL_SEQUENCE] as Backend[];
      const batch = await client.send(want.map((b) => ({ host: hosts.models, headers: { [MODEL_HEADER]: modelOf(b) } })));
      if (batch.broken) return c.notRun('control-failed', `the in-cluster client failed: ${batch.broken}`);
      const rows = batch.answers.map((a, i) => ({ a, want: want[i]!, got: of(a) }));
      s.evidence('model-routing.txt', rows.map((r) => `${MODEL_HEADER}: ${modelOf(r.want)} → ${describe(r.a, tag)}`).join('\n'));
      const wrong = rows.filter((r) => r.got ? r.got !== r.want : isContradicting(r.a));
      if (wrong.length) return c.fail(`every request with ${MODEL_HEADER}: model-a reaches ${svc('a')}, and with model-b ${svc('b')} (${want.length} requests in runs of one to four)`, `${wrong.length} did not, e.g. ${MODEL_HEADER}: ${modelOf(wrong[0]!.want)} → ${describe(wrong[0]!.a, tag)}`);
      const lost = rows.filter((r) => !r.got).map((r) => describe(r.a, tag));
      if (lost.length > LOST_TOLERANCE * want.length) return lostVerdict(c, lost, want.length, 'the model route');
      c.pass(`all ${want.length - lost.length} routed requests reached their model's backend (model-a → ${svc('a')}, model-b → ${svc('b')}, in runs of one to four)${lost.length ? `; ${lost.length} lost, left out` : ''}`);
    });

    await s.case('UnmatchedRequest', async (c) => {
      if (!client) return c.notRun('control-failed', 'the routes never served (GatewayRoutes)');
      const negatives = [
        { host: hosts.models, headers: { [MODEL_HEADER]: 'no-such-model' }, what: `${MODEL_HEADER}: no-such-model` },
        { host: hosts.models, what: `no ${MODEL_HEADER}` },
        { host: hosts.unrouted, what: `Host ${hosts.unrouted}` },
      ];
      // Each negative beside the controls of the route it misses: those must still be routed, or the negatives prove nothing.
      const asks: (Ask & { what: string; control?: Backend })[] = [];
      for (let round = 0; round < 5; round++) {
        for (const neg of negatives) asks.push(neg);
        asks.push({ ...probes[1]!, what: 'control model-a', control: 'a' }, { ...probes[2]!, what: 'control model-b', control: 'b' });
      }
      const batch = await client.send(asks);
      if (batch.broken) return c.notRun('control-failed', `the in-cluster client failed: ${batch.broken}`);
      const rows = batch.answers.map((a, i) => ({ a, ask: asks[i]! }));
      s.evidence('unmatched.txt', rows.map((r) => `${r.ask.what} → ${describe(r.a, tag)}`).join('\n'));
      const controls = rows.filter((r) => r.ask.control);
      const failedControl = controls.find((r) => of(r.a) !== r.ask.control);
      if (failedControl) return c.notRun('control-failed', `a matched request beside the unmatched ones was not routed to its backend (${failedControl.ask.what} → ${describe(failedControl.a, tag)}), so the unmatched ones prove nothing`);
      const negs = rows.filter((r) => !r.ask.control);
      const leaked = negs.filter((r) => of(r.a));
      if (leaked.length) return c.fail('a request no rule matches reaches no model backend (a 404, or the platform\'s default backend)', `${leaked.length} of ${negs.length} did, e.g. ${leaked[0]!.ask.what} → ${describe(leaked[0]!.a, tag)}`);
      // No answer says nothing about where a request went.
      const unanswered = negs.filter((r) => r.a.status === 0);
      if (unanswered.length > LOST_TOLERANCE * negs.length) return c.notRun('no-verdict', `${unanswered.length} of ${negs.length} unmatched requests got no HTTP answer (${unanswered[0]!.ask.what} → ${describe(unanswered[0]!.a, tag)}), which says nothing about where they went`, 'run again');
      const statuses = [...new Set(negs.map((r) => r.a.status).filter(Boolean))].sort((x, y) => x - y);
      const what = (x: number) => (x === 404 ? 'HTTP 404' : x >= 500 ? `HTTP ${x} (an error from the Gateway, not a backend)` : `HTTP ${x} (the platform's default backend)`);
      c.pass(`all ${negs.length} unmatched requests (unknown model, no model header, unrouted host) stayed off the backends, while the ${controls.length} matched ones beside them were routed: ${statuses.map(what).join(', ')}${unanswered.length ? `; ${unanswered.length} got no HTTP answer` : ''}`);
    });
  },
});

const modelOf = (b: Backend) => `model-${b}`;

/** A short, stable tag of the run for the backends' names. */
export function shortHash(s: string): string {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h.toString(36).slice(0, 6);
}

interface Ask { readonly host: string; readonly headers?: Readonly<Record<string, string>> }
interface Batch {
  readonly answers: DirectAnswer[];
  /** The client itself failed (the pod did not run to the end): no answer is the Gateway's. */
  readonly broken?: string;
}
/** Sends requests to the Gateway in order, each answered (status 0 when no HTTP answer came). */
interface Client {
  readonly where: string;
  /** Rounds of probes one settling step sends (a pod start is dear: several, a second apart). */
  readonly burst: number;
  send(asks: readonly Ask[], opts?: { pause?: boolean }): Promise<Batch>;
}

/** agnhost netexec answers /hostname with the pod's name: which backend (by the run's names) served the request. */
export function backendOf(a: DirectAnswer, tag: string): Backend | undefined {
  if (a.status !== 200) return undefined;
  const m = new RegExp(`^echo-([ab])-${tag}-\\d+$`).exec(a.body.trim());
  return m ? (m[1] as Backend) : undefined;
}

/** Answers that contradict a route serving: a 404 (no route), or a 200 from something that is not a backend. */
export const isContradicting = (a: DirectAnswer) => a.status === 404 || a.status === 200;

export function describe(a: DirectAnswer, tag: string): string {
  if (a.status === 0) return `no HTTP answer (${a.error ?? 'unknown'})`;
  const b = backendOf(a, tag);
  return b ? `HTTP 200 from echo-${b}` : `HTTP ${a.status}${a.body.trim() ? ` ${a.body.replace(/\s+/g, ' ').trim().slice(0, 100)}` : ''}`;
}

/** Routed per backend; contradicting (FAIL material); lost (the environment: no answer, 5xx, 403, 429, 3xx). */
export function sort(answers: readonly DirectAnswer[], tag: string) {
  const out = { a: 0, b: 0, wrong: [] as string[], lost: [] as string[] };
  for (const x of answers) {
    const b = backendOf(x, tag);
    if (b) out[b]++;
    else (isContradicting(x) ? out.wrong : out.lost).push(describe(x, tag));
  }
  return out;
}

/** Why the Gateway was not Programmed in time: the platform's fault (FAIL), kaic's setup or a missing piece (NOT-RUN), or go on. */
async function gatewayNotProgrammed(s: CheckScope, g: GatewayObj, env: Env): Promise<{ notRun?: { reason: 'missing-component' | 'no-verdict' | 'control-failed'; detail: string; remedy?: string }; proceed?: boolean; observed: string }> {
  const cond = (t: string) => g.status?.conditions?.find((x) => x.type === t);
  const accepted = cond('Accepted');
  const programmed = cond('Programmed');
  const observed = JSON.stringify(g.status?.conditions ?? 'no conditions').slice(0, 600);
  const others = env.others.length ? ` (other accepted classes: ${env.others.join(', ')})` : '';
  // The API server's defaults ("Waiting for controller"): the class's controller never looked.
  if (!accepted || (accepted.status === 'Unknown' && /Pending/i.test(accepted.reason ?? ''))) return { notRun: { reason: 'missing-component', detail: `the controller of GatewayClass ${env.gatewayClass} (${env.controller}) never reconciled kaic's Gateway: ${accepted?.message ?? 'no conditions'}`, remedy: `check that the controller runs, or pass --set gateway.class=…${others}` }, observed };
  // A listener in trouble (refused, in conflict with another Gateway, unresolved): kaic's setup, not the platform.
  const listener = g.status?.listeners?.find((l) => l.name === 'http')?.conditions?.find((x) => (x.type === 'Conflicted' ? x.status === 'True' : x.status === 'False') && x.reason);
  if (listener) return { notRun: { reason: 'no-verdict', detail: `the implementation does not take kaic's listener (HTTP, port ${String(s.settings['gateway.port'])}): ${listener.type}=${listener.status} ${listener.reason}: ${listener.message ?? ''}`, remedy: 'pass --set gateway.port=… with a port it serves (and --set gateway.requestPort=… if a load balancer listens elsewhere)' }, observed };
  if (accepted.status === 'False') return { notRun: { reason: 'no-verdict', detail: `GatewayClass ${env.gatewayClass} refuses kaic's Gateway: ${accepted.reason}: ${accepted.message ?? ''}`, remedy: `pass --set gateway.class=…${others}, or --set gateway.port=…` }, observed };
  const psa = await podSecurityRefusal(s);
  if (psa) return { notRun: { reason: 'control-failed', detail: psa, remedy: 'run ai_inference against a class whose data plane lives elsewhere' }, observed };
  if (programmed?.reason === 'AddressNotAssigned') {
    if (g.status?.addresses?.length) return { proceed: true, observed: `Programmed=False AddressNotAssigned, but the status has ${g.status.addresses.map((x) => x.value).join(', ')}: kaic tries it` };
    return { notRun: { reason: 'missing-component', detail: `no address was assigned to kaic's Gateway (${programmed.message ?? 'AddressNotAssigned'}): no load balancer provider?`, remedy: 'install a LoadBalancer provider (e.g. MetalLB), or use a class that needs none' }, observed };
  }
  return { observed };
}

/** kaic's own namespace policy (restricted Pod Security) keeping an implementation's in-namespace data plane out, if it did. */
async function podSecurityRefusal(s: CheckScope): Promise<string | undefined> {
  const events = await s.list<{ reason?: string; message?: string }>({ apiVersion: 'v1', kind: 'Event' });
  const e = events.find((x) => x.reason === 'FailedCreate' && /PodSecurity/.test(x.message ?? ''));
  return e ? `the implementation deploys its data plane in the Gateway's namespace, and kaic's run namespace (restricted Pod Security) refused it: ${e.message}` : undefined;
}

interface Settled {
  readonly ok: boolean;
  readonly last?: string;
  readonly broken?: string;
  readonly contradicting?: string;
  readonly http?: string;
  readonly connection?: string;
}

/** From where kaic runs, one connection per request (no pooling to skew a balancer). */
function direct(s: CheckScope, address: string): Client {
  return {
    where: 'kaic',
    burst: 1,
    async send(asks) {
      const answers: DirectAnswer[] = [];
      for (const a of asks) answers.push(await s.request(`http://${address}/hostname`, { headers: { host: a.host, ...a.headers }, timeoutMs: 5_000, maxBytes: 4096 }));
      return { answers };
    },
  };
}

/** From a pod on the backends' node: a busybox loop, one wget and one marker line per request. */
let clientPods = 0;
function inCluster(s: CheckScope, address: string, env: Env): Client {
  return {
    where: `a pod on ${env.node}`,
    burst: SETTLED,
    async send(asks, opts) {
      const name = `client-${++clientPods}`;
      const r = await s.clientPod(name, ['sh', '-c', clientScript(`http://${address}/hostname`, asks, (i) => !!opts?.pause && i > 0 && i % 3 === 0)], { image: 'probe', node: env.node, tolerations: env.tolerations, timeoutMs: 120_000 + asks.length * 6_000 });
      await s.remove({ apiVersion: 'v1', kind: 'Pod', name }, { wait: true });
      if (!r.ok) return { answers: [], broken: `pod ${name} did not finish: ${r.message}` };
      if (!/^KGW done$/m.test(r.value.log)) return { answers: [], broken: `pod ${name} exited ${r.value.exitCode} before its last request: ${r.value.log.trim().split('\n').slice(-2).join(' / ').slice(0, 300)}` };
      return { answers: parseClientLog(r.value.log, asks.length) };
    },
  };
}

/**
 * The in-cluster client: each distinct request is one `case` branch, and the order is a word list
 * (so 2,000 requests stay far below the kernel's argument limit); `s` after a number waits a second.
 */
export function clientScript(url: string, asks: readonly Ask[], pauseBefore: (i: number) => boolean = () => false): string {
  const kinds: string[] = [];
  const order = asks.map((a, i) => {
    const headers = Object.entries({ Host: a.host, ...a.headers }).map(([k, v]) => `--header '${k}: ${v}'`).join(' ');
    let k = kinds.indexOf(headers);
    if (k < 0) k = kinds.push(headers) - 1;
    return `${k}${pauseBefore(i) ? 's' : ''}`;
  });
  return [
    `U='${url}'`,
    'i=0',
    `for k in ${order.join(' ')}; do`,
    '  case $k in *s) sleep 1; k=${k%s};; esac',
    '  case $k in',
    ...kinds.map((h, k) => `    ${k}) r=$(timeout 5 wget -S -q -O - ${h} "$U" 2>&1);;`),
    '  esac',
    '  rc=$?',
    "  st=$(printf '%s\\n' \"$r\" | grep -m1 -o 'HTTP/[0-9.]* [0-9][0-9][0-9]' | sed 's/.* //')",
    "  b=$(printf '%s\\n' \"$r\" | grep -v '^  ' | grep -v '^wget: ' | tr '\\n' ' ')",
    "  e=$(printf '%s\\n' \"$r\" | grep '^wget: ' | tr '\\n' ' ')",
    "  printf 'KGW %s %s %s|%s|%s\\n' \"$i\" \"$rc\" \"${st:-0}\" \"$b\" \"$e\"",
    '  i=$((i+1))',
    'done',
    'echo KGW done',
  ].join('\n');
}

/** The in-cluster client's marker lines as answers: `KGW <i> <exit> <status>|<body>|<wget's error>`. */
export function parseClientLog(log: string, count: number): DirectAnswer[] {
  const out: DirectAnswer[] = Array.from({ length: count }, () => ({ status: 0, body: '', error: 'no line from the client pod' }));
  for (const line of log.split('\n')) {
    const m = /^KGW (\d+) (\d+) (\d+)\|(.*)\|(.*)$/.exec(line.trim());
    if (!m) continue;
    const i = Number(m[1]);
    if (i >= count) continue;
    const rc = Number(m[2]);
    const status = Number(m[3]);
    const body = m[4]!.trim();
    const err = m[5]!.trim();
    out[i] = status ? { status, body } : { status: 0, body: '', error: rc === 124 || rc === 143 ? 'no answer within 5 s' : err || `wget exit ${rc}` };
  }
  return out;
}
