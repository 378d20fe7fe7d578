import { defineCommand } from 'citty';
import { resolve } from 'node:path';
import { isInputError } from '../../run/errors.js';
import { writeArtifacts } from '../../run/artifacts.js';
import { ConfigFileError, parseDuration, readRunConfig, type RunConfigFile } from '../../run/config-file.js';
import { newRunId } from '../../run/suite.js';
import { tally } from '../../run/model.js';
import { plan, RunConfigError, runSuite, validateSettings } from '../../run/suite.js';
import { listArg, oneOf, versionArg } from '../common-args.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { loadOrFail } from '../load.js';
import { progressReporter } from '../progress.js';
import { interrupt, runInfo } from '../signals.js';

const pairs = (raw: unknown, flag: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const item of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) {
    const m = /^([^=]+)=(.*)$/s.exec(String(item));
    if (!m) throw new UsageError(`${flag} ${String(item)}: expected KEY=VALUE`);
    out[m[1]!.trim()] = m[2]!;
  }
  return out;
};

export default defineCommand({
  meta: { name: 'run', description: 'Prove the requirements of a version against a live cluster and write every artifact a submission needs' },
  args: {
    version: { type: 'string', description: 'Conformance version, e.g. v1.37 (default: the cluster\'s minor)' },
    kubeconfig: { type: 'string', description: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)' },
    context: { type: 'string', description: 'kubeconfig context' },
    only: { type: 'string', description: 'Only these requirement ids (comma-separated, repeatable)' },
    skip: { type: 'string', description: 'Skip these requirement ids' },
    na: { type: 'string', description: 'Declare a requirement N/A: --na id="justification" (repeatable)' },
    accelerator: { type: 'string', description: 'nvidia | amd | intel | neuron | dra:<deviceClass> (default: detected)' },
    image: { type: 'string', description: 'Override one image: --image probe=my.registry/busybox:1.37 (repeatable)' },
    'image-registry': { type: 'string', description: 'Pull every image from this registry mirror' },
    parallel: { type: 'string', description: 'Checks run at once (default 3)' },
    timeout: { type: 'string', description: "Longest a single check may take (default: each check's own, docs/checks.md)" },
    dir: { type: 'string', alias: 'o', description: 'Artifact folder (default ./kaic-results)' },
    output: { type: 'string', description: 'Progress: text | jsonl' },
    config: { type: 'string', description: 'YAML file with the same options, plus metadata' },
    metadata: { type: 'string', description: 'PRODUCT.yaml metadata: --metadata platformName="My Platform" (repeatable)' },
    set: { type: 'string', description: 'Check setting: --set gang.scheduler=native, gang.window=20s (repeatable)' },
    'gang-scheduler': { type: 'string', description: 'Which gang scheduler to prove: native | kueue | volcano | kai | coscheduling' },
    'run-id': { type: 'string', description: 'Use this run id (default: random)' },
    prometheus: { type: 'string', description: 'Prometheus for metric checks: NAMESPACE/SERVICE:PORT (through the API server) or an http(s) URL' },
    fixture: { type: 'string', description: 'A templated YAML file for glue objects a check needs: --fixture NAME=FILE (repeatable)' },
    redact: { type: 'boolean', default: false, description: 'Leave the API server address and node names out of provenance.json' },
    checklist: { type: 'string', description: 'Official checklist file or folder' },
    offline: { type: 'boolean', default: false, description: 'Never download a checklist' },
  },
  async run({ args }) {
    let file: RunConfigFile = {};
    try {
      if (args.config) file = readRunConfig(args.config);
    } catch (e) {
      if (e instanceof ConfigFileError) throw new UsageError(e.message);
      throw e;
    }
    const versionRaw = args.version ?? file.version;
    if (!versionRaw) throw new UsageError('run: --version is required (for example v1.37)');
    const version = versionArg(versionRaw);
    const checklistPath = args.checklist ?? file.checklist;
    const checklist = await loadOrFail(version, { checklist: checklistPath, offline: args.offline, catalogFallback: true });
    const na = { ...(file.na ?? {}), ...pairs(args.na, '--na') };
    const settings = { ...(file.settings ?? {}), ...pairs(args.set, '--set') };
    if (args['gang-scheduler']) settings['gang.scheduler'] = args['gang-scheduler'];
    const metadata = { ...(file.metadata ?? {}), ...pairs(args.metadata, '--metadata') };
    const parallel = Number(args.parallel ?? file.parallel ?? 3);
    if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) throw new UsageError(`--parallel ${args.parallel}: expected a whole number from 1 to 16`);
    // Unset, each check keeps its own budget (an autoscaler's scale-down may take half an hour).
    const timeoutRaw = args.timeout ?? file.timeout;
    const timeout = timeoutRaw === undefined ? undefined : parseDuration(timeoutRaw);
    if (timeoutRaw !== undefined && !timeout) throw new UsageError(`--timeout ${timeoutRaw}: expected a duration such as 90s or 10m`);
    const output = oneOf(args.output ?? 'text', ['text', 'jsonl'] as const, '--output');
    const dir = resolve(args.dir ?? file.output ?? 'kaic-results');
    const runId = args['run-id'] ?? newRunId();
    if (!/^[a-z0-9]{4,16}$/.test(runId)) throw new UsageError(`--run-id ${runId}: 4 to 16 lowercase letters or digits`);
    runInfo.id = runId;
    const fixtures = { ...(file.fixtures ?? {}), ...pairs(args.fixture, '--fixture') };
    const cfg = {
      checklist,
      kubeconfig: args.kubeconfig ?? file.kubeconfig,
      context: args.context ?? file.context,
      only: [...(file.only ?? []), ...listArg(args.only)],
      skip: [...(file.skip ?? []), ...listArg(args.skip)],
      na,
      accelerator: args.accelerator ?? file.accelerator,
      images: [...Object.entries(file.images ?? {}).map(([k, v]) => `${k}=${v}`), ...listArg(args.image)],
      imageRegistry: args['image-registry'] ?? file.imageRegistry,
      parallel,
      checkTimeoutMs: timeout,
      settings,
      ...((args.prometheus ?? file.prometheus) ? { prometheus: args.prometheus ?? file.prometheus } : {}),
      ...(Object.keys(fixtures).length ? { fixtures } : {}),
      runId,
      signal: interrupt.signal,
    };
    let ids: string[];
    try {
      ids = plan(checklist, cfg).map((p) => p.id);
      validateSettings(settings);
    } catch (e) {
      if (e instanceof RunConfigError) throw new UsageError(e.message);
      throw e;
    }
    const progress = progressReporter(output, ids);
    let result;
    try {
      result = await runSuite({ ...cfg, progress: progress.onEvent });
    } catch (e) {
      if (isInputError(e)) throw new UsageError(e.message);
      throw e;
    } finally {
      progress.stop();
    }
    const written = await writeArtifacts(dir, result, checklist, metadata, { checklistPath, redact: args.redact });
    const t = tally(result);
    const say = (s: string) => (output === 'jsonl' ? process.stderr : process.stdout).write(`${s}\n`);
    say(`kaic run ${result.runId}: ${Object.entries(t).filter(([, n]) => n).map(([v, n]) => `${n} ${v}`).join(', ')}${result.interrupted ? ' (interrupted)' : ''}${t.PASS === 0 ? ' — nothing was proven' : ''}`);
    if (result.cluster.anySimulated && t.PASS) say('  SIMULATED: the cluster has simulated nodes or devices; these results are not evidence for a submission');
    for (const c of result.checks) say(`  ${c.verdict.padEnd(7)} ${c.id}${c.notRun ? ` — ${c.notRun.detail}` : ''}`);
    if (result.leaked.length) say(`  leftovers (run \`kaic cleanup --run ${result.runId}\`): ${result.leaked.join(', ')}`);
    say(`artifacts: ${written.dir} (report: ${written.report})`);
    if (process.env.KAIC_REPORT_RSS) {
      const u = process.resourceUsage();
      process.stderr.write(`maxRSS ${Math.round(u.maxRSS / 1024)} MiB, cpu ${((u.userCPUTime + u.systemCPUTime) / 1e6).toFixed(2)} s\n`);
    }
    if (result.interrupted) return EXIT.interrupted;
    if (t.FAIL) return EXIT.fail;
    if (t.ERROR || t['NOT-RUN'] || result.leaked.length) return EXIT.incomplete;
    return EXIT.ok;
  },
});
