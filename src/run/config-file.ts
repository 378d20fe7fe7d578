import { z } from 'zod';
import { formatText } from '../source/format.js';
import { diagnostic } from '../source/diagnostic.js';
import { locate, readYamlFile } from '../source/yaml-file.js';

const stringMap = z.record(z.string());
/** `kaic run --config FILE`: the same options as the flags (flags win), plus metadata. */
export const runConfigSchema = z
  .object({
    version: z.string().optional(),
    kubeconfig: z.string().optional(),
    context: z.string().optional(),
    only: z.array(z.string()).optional(),
    skip: z.array(z.string()).optional(),
    na: stringMap.optional(),
    accelerator: z.string().optional(),
    images: stringMap.optional(),
    imageRegistry: z.string().optional(),
    parallel: z.number().int().min(1).max(16).optional(),
    timeout: z.string().optional(),
    output: z.string().optional(),
    checklist: z.string().optional(),
    settings: z.record(z.union([z.string(), z.number()]).transform(String)).optional(),
    metadata: stringMap.optional(),
    prometheus: z.string().optional(),
    fixtures: stringMap.optional(),
  })
  .strict();
export type RunConfigFile = z.infer<typeof runConfigSchema>;

export class ConfigFileError extends Error {}

export function readRunConfig(file: string): RunConfigFile {
  const y = readYamlFile(file);
  if (!y.ok) throw new ConfigFileError(formatText(y.diagnostics[0]!));
  const parsed = runConfigSchema.safeParse(y.value.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path;
    const at = locate(y.value, path);
    const msg = issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}` : issue.message;
    throw new ConfigFileError(formatText(diagnostic('SPEC_TYPE', { file, ...at }, path, msg)));
  }
  return parsed.data;
}

export { parseDuration } from '../checks/settings.js';
