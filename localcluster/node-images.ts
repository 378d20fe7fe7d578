import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every image the real node holds, in one place. No registry is reachable from this machine, so each
 * is built here from a binary built from its Go module (or Debian's static busybox) into an OCI
 * layout tarball, under its upstream name, and imported into containerd before the kubelet starts.
 * Pods use `imagePullPolicy: Never` (or IfNotPresent with the image present): nothing is pulled.
 */
export interface NodeImage {
  /** Short name, also the cache file's stem. */
  readonly name: string;
  /** Every reference the image is imported under (the first is the canonical one). */
  readonly refs: readonly string[];
  /** Why the image exists. */
  readonly why: string;
  /** Where its files come from. */
  readonly source: string;
  /** Layers, bottom first: each a list of files to place (`to` inside the image) or busybox applet links. */
  readonly layers: readonly ImageLayer[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
}

type ImageLayer = { readonly files: readonly { readonly from: string; readonly to: string }[]; readonly busyboxLinks?: boolean };

export interface ImageInputs {
  /** The pause program (localcluster/pause). */
  readonly pause: string;
  /** agnhost, built from k8s.io/kubernetes/test/images/agnhost at the pinned Kubernetes version. */
  readonly agnhost: string;
  readonly agnhostVersion: string;
  /** Debian's busybox-static. */
  readonly busybox: string;
}

export function nodeImages(i: ImageInputs): NodeImage[] {
  const busyboxLayer: ImageLayer = { files: [{ from: i.busybox, to: 'bin/busybox' }], busyboxLinks: true };
  return [
    {
      name: 'pause',
      // 3.10 is what kaic's checks use (src/checks/images.ts); 3.10.2 is the Kubernetes 1.37 e2e manifest's.
      refs: ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause:3.10.2'],
      why: "every pod's sandbox (containerd's sandbox image) and kaic's placement and allocation probes",
      source: 'localcluster/pause (a static Go program that sleeps until SIGTERM and reaps children)',
      layers: [{ files: [{ from: i.pause, to: 'pause' }] }],
      entrypoint: ['/pause'],
    },
    {
      name: 'busybox',
      // 1.37.0-1 is kaic's probe image (src/checks/images.ts); 1.37.0-2 is the Kubernetes 1.37 e2e manifest's.
      refs: ['registry.k8s.io/e2e-test-images/busybox:1.37.0-1', 'registry.k8s.io/e2e-test-images/busybox:1.37.0-2'],
      why: 'a shell for in-container probes (device files, environment, DNS with nslookup, HTTP with wget)',
      source: "Debian's busybox-static (/bin/busybox, with a link per applet); the tag names the upstream image it stands in for",
      layers: [busyboxLayer],
      cmd: ['sh'],
    },
    {
      name: 'agnhost',
      refs: [`registry.k8s.io/e2e-test-images/agnhost:${i.agnhostVersion}`],
      why: 'the upstream e2e Swiss-army image: netexec and serve-hostname behind Services, DNS probes, an admission webhook server',
      source: 'k8s.io/kubernetes/test/images/agnhost at the pinned Kubernetes version, over the busybox layer (upstream ships a shell too)',
      layers: [busyboxLayer, { files: [{ from: i.agnhost, to: 'agnhost' }] }],
      entrypoint: ['/agnhost'],
      cmd: ['pause'],
    },
  ];
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

/** A reproducible tar of `dir` (sorted, root-owned, mtime 0). */
function tarDir(dir: string, out: string) {
  run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=gnu', '-cf', out, '-C', dir, '.']);
}

function buildLayer(layer: ImageLayer, work: string, busybox: string): Buffer {
  const root = mkdtempSync(join(work, 'layer-'));
  for (const f of layer.files) {
    const to = join(root, f.to);
    mkdirSync(join(to, '..'), { recursive: true });
    copyFileSync(f.from, to);
    chmodSync(to, 0o755);
  }
  if (layer.busyboxLinks) {
    for (const d of ['tmp', 'etc', 'proc', 'sys', 'dev', 'root']) mkdirSync(join(root, d), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    for (const applet of run(busybox, ['--list']).split('\n').filter(Boolean)) {
      if (applet !== 'busybox' && !existsSync(join(root, 'bin', applet))) symlinkSync('busybox', join(root, 'bin', applet));
    }
  }
  const out = join(work, `layer-${Math.random().toString(36).slice(2)}.tar`);
  tarDir(root, out);
  return readFileSync(out);
}

/** Writes `image` as an OCI layout tarball at `out` (uncompressed layers: import speed over size). */
export function buildOciTarball(image: NodeImage, busybox: string, out: string) {
  const work = mkdtempSync(join(tmpdir(), `kaic-image-${image.name}-`));
  try {
    const layout = join(work, 'layout');
    const blobs = join(layout, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const blob = (data: Buffer | string) => {
      const d = sha256(data);
      writeFileSync(join(blobs, d), data);
      return { digest: `sha256:${d}`, size: Buffer.byteLength(data) };
    };
    const layers = image.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...blob(buildLayer(l, work, busybox)) }));
    const config = blob(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], WorkingDir: '/', ...(image.entrypoint ? { Entrypoint: image.entrypoint } : {}), ...(image.cmd ? { Cmd: image.cmd } : {}) },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
        history: [{ created_by: `kaic: ${image.source}` }],
      }),
    );
    const manifest = blob(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers }));
    writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: image.refs.map((ref) => ({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.slice(ref.lastIndexOf(':') + 1) },
        })),
      }),
    );
    const tmp = `${out}.tmp`;
    tarDir(layout, tmp);
    renameSync(tmp, out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The OCI tarball of each image, built once per input version: the cache key is the image's
 * definition plus each input binary's path (versioned), size and mtime.
 */
export function ensureImageTarballs(images: readonly NodeImage[], busybox: string, cacheDir: string, log: (s: string) => void = () => {}): { image: NodeImage; tarball: string }[] {
  mkdirSync(cacheDir, { recursive: true });
  return images.map((image) => {
    const inputs = image.layers.flatMap((l) => [...l.files.map((f) => f.from), ...(l.busyboxLinks ? [busybox] : [])]);
    for (const f of inputs) if (!existsSync(f)) throw new Error(`image ${image.name}: missing input ${f} (scripts/build-components.sh, or apt-get install busybox-static)`);
    const key = sha256(JSON.stringify({ image, inputs: inputs.map((f) => [f, statSync(f).size, statSync(f).mtimeMs]) })).slice(0, 12);
    const tarball = join(cacheDir, `${image.name}-${key}.oci.tar`);
    if (!existsSync(tarball)) {
      log(`building image ${image.refs[0]} (${image.source})`);
      buildOciTarball(image, busybox, tarball);
      // Tarballs of earlier inputs are never used again.
      for (const f of readdirSync(cacheDir)) if (f.startsWith(`${image.name}-`) && f.endsWith('.oci.tar') && join(cacheDir, f) !== tarball) rmSync(join(cacheDir, f), { force: true });
    }
    return { image, tarball };
  });
}
