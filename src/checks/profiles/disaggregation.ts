import type { V1Pod } from '@kubernetes/client-node';

/**
 * How serving stacks mark a pod's role in disaggregated (prefill/decode) inference, as data: the
 * labels their operators or charts set, and the engine flags that say it when no label does.
 */
export type Role = 'prefill' | 'decode';

export interface RoleLabel {
  readonly stack: string;
  readonly label: string;
  /** Label values per role; anything else (`prefill-decode`, aggregated) is neither. */
  readonly values: Readonly<Record<Role, readonly string[]>>;
}

export const ROLE_LABELS: readonly RoleLabel[] = [
  { stack: 'llm-d', label: 'llm-d.ai/role', values: { prefill: ['prefill'], decode: ['decode'] } },
  { stack: 'NVIDIA Dynamo', label: 'nvidia.com/dynamo-sub-component-type', values: { prefill: ['prefill'], decode: ['decode'] } },
];

/** The serving stacks' own kinds, reported when present. */
export const SERVING_KINDS = [
  { stack: 'llm-d', apiVersion: 'llm-d.ai/v1alpha1', kind: 'ModelService', plural: 'modelservices' },
  { stack: 'NVIDIA Dynamo', apiVersion: 'nvidia.com/v1alpha1', kind: 'DynamoGraphDeployment', plural: 'dynamographdeployments' },
  { stack: 'KServe', apiVersion: 'serving.kserve.io/v1alpha1', kind: 'LLMInferenceService', plural: 'llminferenceservices' },
] as const;

/**
 * A pod's role and what said so: a stack's label first; then the engine's own flags, SGLang's
 * `--disaggregation-mode prefill|decode` or vLLM's `--kv-transfer-config` with `kv_role`
 * `kv_producer` (prefill) or `kv_consumer` (decode). `kv_both` (NIXL's) names no role.
 */
export function roleOf(pod: V1Pod): { role: Role; by: string } | undefined {
  const labels = pod.metadata?.labels ?? {};
  for (const l of ROLE_LABELS) {
    const v = labels[l.label];
    if (v === undefined) continue;
    for (const role of ['prefill', 'decode'] as const) if (l.values[role].includes(v)) return { role, by: `${l.stack} label ${l.label}=${v}` };
    return undefined;
  }
  for (const c of pod.spec?.containers ?? []) {
    const words = [...(c.command ?? []), ...(c.args ?? [])].flatMap((w) => w.split(/\s+/));
    const text = words.join(' ');
    const sglang = /--disaggregation-mode(?:=|\s+)(prefill|decode)\b/.exec(text);
    if (sglang) return { role: sglang[1] as Role, by: `SGLang --disaggregation-mode ${sglang[1]}` };
    const kv = /"?kv_role"?\s*:\s*"?(kv_producer|kv_consumer)"?/.exec(text);
    if (kv) return { role: kv[1] === 'kv_producer' ? 'prefill' : 'decode', by: `vLLM kv_role ${kv[1]}` };
  }
  return undefined;
}
