/**
 * Every image kaic runs, pinned, in one place. `--image name=ref` overrides one; `--image-registry`
 * rewrites the registry of all of them (air-gapped clusters), including overrides without a registry.
 */
export const DEFAULT_IMAGES = {
  /** Holds resources, runs nothing: placement and allocation checks. */
  pause: 'registry.k8s.io/pause:3.10',
  /** A shell for in-container probes (device files). */
  probe: 'registry.k8s.io/e2e-test-images/busybox:1.37.0-1',
  /** agnhost: netexec answers /hostname with the pod's name (echo backends behind a Gateway). */
  echo: 'registry.k8s.io/e2e-test-images/agnhost:2.66.1',
  /** NVIDIA's CUDA base image: nvidia-smi is injected by the container toolkit. */
  cuda: 'nvcr.io/nvidia/cuda:12.8.1-base-ubuntu24.04',
} as const;

export type ImageName = keyof typeof DEFAULT_IMAGES;
export type ImageSet = Readonly<Record<ImageName, string>>;

export class ImageError extends Error {}

/** `registry.k8s.io/pause:3.10` with mirror `mirror.local:5000/k8s` → `mirror.local:5000/k8s/pause:3.10` */
export function withRegistry(ref: string, mirror: string): string {
  const parts = ref.split('/');
  const hasRegistry = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!);
  const path = hasRegistry ? parts.slice(1).join('/') : ref;
  return `${mirror.replace(/\/+$/, '')}/${path}`;
}

export function resolveImages(overrides: readonly string[] = [], registry?: string): ImageSet {
  const out: Record<string, string> = { ...DEFAULT_IMAGES };
  for (const o of overrides) {
    const m = /^([a-z]+)=(\S+)$/.exec(o);
    if (!m || !(m[1]! in DEFAULT_IMAGES)) throw new ImageError(`--image ${o}: expected NAME=IMAGE with NAME one of ${Object.keys(DEFAULT_IMAGES).join(', ')}`);
    out[m[1]!] = m[2]!;
  }
  if (registry) for (const k of Object.keys(out)) out[k] = withRegistry(out[k]!, registry);
  return out as ImageSet;
}
