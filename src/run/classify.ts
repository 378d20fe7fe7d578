import { ApiError, failedWebhook, Interrupted, TransportError } from '../cluster/api.js';
import { ClusterNotReady, ImageUnavailable, NotServed } from '../checks/api.js';
import type { CaseOutcome } from '../results/index.js';

/**
 * What an error that escaped a check means. Only a check can say FAIL (the expected behaviour did
 * not happen in time); everything that reaches here is an interruption, the environment, or a bug.
 */
export function classify(e: unknown, ctx: { interrupted: boolean; timedOut: boolean; timeoutMs: number }): CaseOutcome {
  if (ctx.timedOut) return { verdict: 'not-run', reason: 'timeout', detail: `the check ran out of time (${Math.round(ctx.timeoutMs / 1000)}s)`, remedy: 'raise --timeout' };
  if (ctx.interrupted) return { verdict: 'not-run', reason: 'interrupted', detail: 'the run was interrupted' };
  if (e instanceof Interrupted) return { verdict: 'not-run', reason: 'interrupted', detail: e.message };
  if (e instanceof ImageUnavailable) return { verdict: 'not-run', reason: 'image-unavailable', detail: e.message, remedy: `make ${e.image} pullable on the nodes, or point kaic at a mirror (--image-registry, --image NAME=REF)` };
  if (e instanceof NotServed) return { verdict: 'not-run', reason: 'missing-component', detail: e.message };
  if (e instanceof ClusterNotReady) return { verdict: 'error', detail: e.message, remedy: 'check the control plane (kube-controller-manager), then run again' };
  // RBAC says "User … cannot create resource …"; other 403s are admission refusing the object.
  if (e instanceof ApiError && e.forbidden && isRbacDenial(e.reason)) return { verdict: 'error', detail: `missing RBAC: ${e.method} ${e.path}: ${e.reason}`, remedy: 'grant the ClusterRole printed by `kaic rbac`' };
  if (e instanceof ApiError && e.forbidden) return { verdict: 'error', detail: `the API server refused the request (admission, not RBAC): ${e.method} ${e.path}: ${e.reason}` };
  const webhook = failedWebhook(e);
  if (webhook) return { verdict: 'not-run', reason: 'missing-component', detail: `${webhook.startsWith('conversion webhook') ? `the ${webhook}` : `the admission webhook "${webhook}"`} does not answer, so the API server refuses the request: ${(e as ApiError).reason}`, remedy: 'check the controller that serves the webhook (its pods, Service and certificate), then run again' };
  if (e instanceof ApiError) return { verdict: 'error', detail: `API error: ${e.message}` };
  if (e instanceof TransportError) return { verdict: 'error', detail: `the API server could not be reached: ${e.message}`, remedy: 'check the API server and network, then run again' };
  const msg = e instanceof Error ? e.message : String(e);
  return { verdict: 'error', detail: `unexpected error (a kaic bug): ${msg}` };
}

/** An authorizer's denial, as opposed to an admission plugin's 403. */
export const isRbacDenial = (reason: string) => /cannot (get|list|watch|create|update|patch|delete|deletecollection) resource/.test(reason);
