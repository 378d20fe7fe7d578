/**
 * What kaic knows of container runtime handlers: which ones run a pod behind its own kernel (a
 * sandbox), which ones are ordinary (the host's kernel), and which names suggest a sandbox. Any other
 * handler is unrecognised: reported, and proven only when the user names it.
 */
export interface SandboxKind {
  readonly name: string;
  readonly handler: RegExp;
}

export const SANDBOX_HANDLERS: readonly SandboxKind[] = [
  { name: 'gVisor', handler: /^(runsc|gvisor)([-_.].*)?$/ },
  { name: 'Kata Containers', handler: /^kata([-_.].*)?$/ },
  { name: 'Firecracker', handler: /^(firecracker|aws\.firecracker|fc)([-_.].*)?$/ },
  { name: 'Cloud Hypervisor', handler: /^(clh|cloud-hypervisor)([-_.].*)?$/ },
];

/** Handlers that run containers on the host kernel: never a sandbox, whatever the class is called. */
export const ORDINARY_HANDLERS = /^(runc|crun|youki|runhcs|nvidia|nvidia-container-runtime|nvidia-cdi|nvidia-legacy|containerd-shim-runc-v2)$/;

/** RuntimeClass names that claim a sandbox. */
export const SANDBOX_NAME_HINT = /gvisor|runsc|kata|sandbox|firecracker|microvm/i;

export type HandlerClass = { readonly kind: 'sandbox'; readonly what: string } | { readonly kind: 'ordinary' } | { readonly kind: 'unrecognised' };

export function classifyHandler(handler: string): HandlerClass {
  const k = SANDBOX_HANDLERS.find((s) => s.handler.test(handler));
  if (k) return { kind: 'sandbox', what: k.name };
  return ORDINARY_HANDLERS.test(handler) ? { kind: 'ordinary' } : { kind: 'unrecognised' };
}
