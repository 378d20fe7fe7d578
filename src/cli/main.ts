import type { ArgsDef, CommandDef } from 'citty';
import { EXIT, UsageError } from './exit-codes.js';
import { KAIC_VERSION } from '../version.js';
import { interrupt, runInfo } from './signals.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commands differ in their args types
type AnyCommand = CommandDef<any>;

const commands = {
  validate: () => import('./commands/validate.js').then((m) => m.default),
  review: () => import('./commands/review.js').then((m) => m.default),
  spec: () => import('./commands/spec.js').then((m) => m.default),
  init: () => import('./commands/init.js').then((m) => m.default),
  upgrade: () => import('./commands/upgrade.js').then((m) => m.default),
  checklist: () => import('./commands/checklist.js').then((m) => m.default),
  report: () => import('./commands/report.js').then((m) => m.default),
  analyze: () => import('./commands/analyze.js').then((m) => m.default),
  run: () => import('./commands/run.js').then((m) => m.default),
  cleanup: () => import('./commands/cleanup.js').then((m) => m.default),
  rbac: () => import('./commands/rbac.js').then((m) => m.default),
} as const satisfies Record<string, () => Promise<AnyCommand>>;

/**
 * What `kaic --help` lists. Kept here (a test keeps it equal to each command's own description) so
 * that the top-level help loads no command module: `--help` and `--version` stay under 150 ms.
 */
export const COMMAND_SUMMARIES: Record<keyof typeof commands, string> = {
  validate: 'Check PRODUCT.yaml files as the CNCF reviewers\' validator does, plus known anti-patterns',
  review: 'Review one submission for a pull request: validation, what each MUST rests on, and the diff against the vendor\'s previous certification',
  spec: 'The standard: list its requirements, diff two versions, render a checklist',
  init: 'Write a fill-in PRODUCT.yaml for a version',
  upgrade: 'Carry a PRODUCT.yaml to another version\'s checklist, keeping answers and comments',
  checklist: 'Render a version\'s checklist as Markdown or a self-contained HTML page (same as `kaic spec checklist`)',
  report: 'Render a PRODUCT.yaml as a vendor report (Markdown or self-contained HTML), with its validation findings',
  analyze: 'Cross-vendor analysis of a folder of submissions (Markdown, JSON, or an interactive HTML dashboard)',
  run: 'Prove the requirements of a version against a live cluster and write every artifact a submission needs',
  cleanup: 'Remove what a killed run left behind (objects labelled kaic.dev/run)',
  rbac: 'Print the ClusterRole a kaic run needs (least privilege)',
};

function rootUsage(): string {
  const width = Math.max(...Object.keys(COMMAND_SUMMARIES).map((n) => n.length));
  return [
    `Kubernetes AI Conformance toolkit (kaic v${KAIC_VERSION})`,
    '',
    `USAGE kaic ${Object.keys(COMMAND_SUMMARIES).join('|')}`,
    '',
    'COMMANDS',
    '',
    ...Object.entries(COMMAND_SUMMARIES).map(([n, d]) => `  ${n.padStart(width)}    ${d}`),
    '',
    'Use `kaic <command> --help` for more information about a command.',
    'Global: --version, --debug (print stack traces of internal errors).',
  ].join('\n');
}

/** Commands that clean up a cluster on the first SIGINT/SIGTERM; every other command stops at once. */
const CLEANS_UP_ON_SIGNAL = new Set(['run', 'cleanup']);
let current: string | undefined;

/** Rejects flags the command does not declare, so a typo is an error rather than silently ignored. */
function checkFlags(cmd: AnyCommand, raw: string[]): void {
  const defs = (cmd.args ?? {}) as Record<string, { type?: string; alias?: string | string[] }>;
  const known = new Set<string>(['help', 'h']);
  for (const [name, def] of Object.entries(defs)) {
    known.add(name);
    known.add(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
    if (def.type === 'boolean') known.add(`no-${name}`);
    for (const a of [def.alias ?? []].flat()) known.add(a);
  }
  for (const token of raw) {
    if (token === '--') break;
    const m = /^--?([^=]+)/.exec(token);
    if (!m || /^-\d/.test(token)) continue;
    const names = token.startsWith('--') ? [m[1]!] : [...m[1]!];
    for (const n of names) if (!known.has(n)) throw new UsageError(`unknown option ${token.startsWith('--') ? `--${n}` : `-${n}`} (see kaic ${cmd.meta && 'name' in cmd.meta ? cmd.meta.name : ''} --help)`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  current = name;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${rootUsage()}\n`);
    return name ? EXIT.ok : EXIT.badInput;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${KAIC_VERSION}\n`);
    return EXIT.ok;
  }
  const load = (commands as Record<string, () => Promise<AnyCommand>>)[name];
  if (!load) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`);
  const cmd = await load();
  const { parseArgs, renderUsage, runCommand } = await import('citty');
  const root = { meta: { name: 'kaic', version: KAIC_VERSION, description: 'Kubernetes AI Conformance toolkit' } } as CommandDef;
  // One level of subcommands (`kaic spec list`).
  let target = cmd;
  let args = rest;
  const subs = cmd.subCommands as Record<string, AnyCommand | (() => Promise<AnyCommand>)> | undefined;
  if (subs && rest[0] && !rest[0].startsWith('-')) {
    const sub = subs[rest[0]];
    if (!sub) throw new UsageError(`unknown subcommand "${name} ${rest[0]}"; try: ${Object.keys(subs).join(', ')}`);
    target = typeof sub === 'function' ? await sub() : sub;
    args = rest.slice(1);
  }
  if (args.includes('--help') || args.includes('-h') || (subs && target === cmd)) {
    process.stdout.write(`${await renderUsage(target, target === cmd ? root : cmd)}\n`);
    return subs && target === cmd && !args.includes('--help') && !args.includes('-h') ? EXIT.badInput : EXIT.ok;
  }
  checkFlags(target, args);
  parseArgs(args, (target.args ?? {}) as ArgsDef);
  const { result } = await runCommand(target, { rawArgs: args });
  return typeof result === 'number' ? result : EXIT.ok;
}

function isCliError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'string' && /^E_/.test((e as { code: string }).code);
}

/**
 * How a failure reaches the user: a usage error or bad input is one line with exit 2; anything
 * else is a kaic bug, one line saying so with exit 70, and the stack trace only with `--debug`.
 */
export function describeFailure(e: unknown, debug: boolean): { code: number; message: string } {
  if (e instanceof UsageError) return { code: e.exitCode, message: `kaic: ${e.message}` };
  if (isCliError(e)) return { code: EXIT.badInput, message: `kaic: ${e.message}` };
  const err = e instanceof Error ? e : new Error(String(e));
  const first = (err.message.split('\n')[0] ?? '').slice(0, 300);
  const line = `kaic: internal error: ${err.name}: ${first} (this is a kaic bug; please report it${debug ? '' : ', with the output of the same command run with --debug'})`;
  return { code: EXIT.internal, message: debug ? `${line}\n${err.stack ?? ''}` : line };
}

/** `--debug` anywhere before `--` (or KAIC_DEBUG=1): stack traces for internal errors. */
export function takeDebugFlag(argv: string[]): { argv: string[]; debug: boolean } {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  const debug = head.includes('--debug') || process.env.KAIC_DEBUG === '1';
  return { argv: [...head.filter((a) => a !== '--debug'), ...(end < 0 ? [] : argv.slice(end))], debug };
}

export let debugMode = false;

/** The process entry: runs `main`, maps errors to one-line messages and sets the exit code. */
export async function entry(): Promise<void> {
  // `kaic validate ... | head`: a closed pipe ends the output quietly, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    // `kaic run ... | head`: nobody reads any more; a run still cleans up before it ends.
    if (current && CLEANS_UP_ON_SIGNAL.has(current)) interrupt.abort(new Error('stdout closed'));
    else process.exit(process.exitCode ?? 0);
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    // Reading and rendering hold nothing to clean up: stop now, whatever is in progress.
    if (!current || !CLEANS_UP_ON_SIGNAL.has(current)) {
      process.stderr.write(`\nkaic: ${sig}: stopped\n`);
      process.exit(EXIT.interrupted);
    }
    if (signals === 1) {
      process.stderr.write(`\nkaic: ${sig}: stopping and cleaning up (press Ctrl-C again to quit at once)\n`);
      interrupt.abort(new Error(sig));
    } else {
      process.stderr.write(`kaic: quitting without cleanup; remove leftovers with \`kaic cleanup ${runInfo.id ? `--run ${runInfo.id}` : '--run <id>'}\` (the run id is on the objects' kaic.dev/run label)\n`);
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const { argv, debug } = takeDebugFlag(process.argv.slice(2));
  debugMode = debug;
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    const f = describeFailure(e, debug);
    process.stderr.write(`${f.message}\n`);
    code = f.code;
  }
  process.exitCode = code;
  // Nothing may keep a finished command alive (watches, sockets): exit with its code.
  process.exit(code);
}

