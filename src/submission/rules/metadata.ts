import type { Rule } from './context.js';

/** The metadata fields the CNCF validator requires (true) or accepts (false). */
export const METADATA_FIELDS: Readonly<Record<string, boolean>> = {
  kubernetesVersion: true,
  platformName: true,
  platformVersion: true,
  vendorName: true,
  websiteUrl: true,
  repoUrl: false,
  documentationUrl: true,
  productLogoUrl: true,
  description: true,
  contactEmailAddress: true,
  k8sConformanceUrl: true,
};

/** `productLogoUrl` → `product_logo_url`; `k8sConformanceUrl` → `k8s_conformance_url`. */
export const snakeCase = (s: string) => s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

export const K8S_CONFORMANCE_URL = /^https:\/\/github\.com\/cncf\/k8s-conformance\/tree\/(master|main)\/v\d+\.\d+\/[^/]+\/?$/;

/** Reads a metadata field under its camelCase or snake_case key. */
export function metadataField(md: Record<string, unknown> | undefined, field: string): { key: string; value: unknown } | undefined {
  if (!md) return undefined;
  if (field in md) return { key: field, value: md[field] };
  const snake = snakeCase(field);
  if (snake in md) return { key: snake, value: md[snake] };
  return undefined;
}

export const metadataRule: Rule = (ctx) => {
  const md = ctx.sub.metadata;
  if (!md) {
    ctx.report('METADATA_MISSING', [], 'the `metadata` section is missing');
    return;
  }
  for (const [field, required] of Object.entries(METADATA_FIELDS)) {
    const f = metadataField(md, field);
    if (!f || f.value === null || f.value === undefined) {
      if (required) ctx.report('METADATA_FIELD_MISSING', ['metadata'], `required field \`${field}\` (or \`${snakeCase(field)}\`) is missing`, { key: true });
      continue;
    }
    const path = ['metadata', f.key];
    if (typeof f.value !== 'string') {
      const hint = typeof f.value === 'number' ? ` (quote it: "${String(f.value)}")` : '';
      ctx.report('METADATA_FIELD_TYPE', path, `\`${f.key}\` must be a string, not ${Array.isArray(f.value) ? 'a list' : typeof f.value}${hint}`);
      continue;
    }
    const v = f.value;
    if (v === '') {
      if (required) ctx.report('METADATA_FIELD_EMPTY', path, `\`${f.key}\` is empty`);
      continue;
    }
    if (v.startsWith('[') && v.endsWith(']')) {
      ctx.report('METADATA_PLACEHOLDER', path, `\`${f.key}\` still holds the template placeholder ${v}`);
      continue;
    }
    if (field === 'k8sConformanceUrl') {
      if (!K8S_CONFORMANCE_URL.test(v)) ctx.report('K8S_CONFORMANCE_URL_FORMAT', path, `expected https://github.com/cncf/k8s-conformance/tree/master/${ctx.version}/<product>, got ${v}`);
      else {
        const urlVersion = /\/(v\d+\.\d+)\//.exec(v)?.[1];
        if (urlVersion && urlVersion !== ctx.version) ctx.report('VERSION_MISMATCH', path, `k8sConformanceUrl points at ${urlVersion}, the submission is for ${ctx.version}`);
      }
    } else if (field === 'productLogoUrl' && v.startsWith('http')) {
      if (!/\.(svg|eps|ai)$/i.test(v)) ctx.report('LOGO_FORMAT', path, `productLogoUrl is not an SVG, EPS or AI file (the instructions ask for a vector logo; the reviewers do not reject others): ${v}`);
    }
    if (/Url$/.test(field) && !/^https?:\/\//i.test(v)) ctx.report('METADATA_URL_SCHEME', path, `\`${f.key}\` is not an http(s) URL: ${v}`);
    if (field === 'contactEmailAddress' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim())) ctx.report('CONTACT_EMAIL_FORMAT', path, `not an e-mail address: ${v}`);
  }
};
