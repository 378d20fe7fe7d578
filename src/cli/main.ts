import { defineCommand, parseArgs, renderUsage, runCommand, type ArgsDef, type CommandDef } from 'citty';
import { EXIT, UsageError } from './exit-codes.js';
import { KAIC_VERSION } from '../version.js';
import { interrupt } from './signals.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commands differ in their args types
type AnyCommand = CommandDef<any>;

const commands = {
  validate: () => import('./commands/validate.js').then((m) => m.default),
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

const root = defineCommand({
  meta: { name: 'kaic', version: KAIC_VERSION, description: 'Kubernetes AI Conformance toolkit' },
  subCommands: commands as unknown as Record<string, () => Promise<CommandDef>>,
});

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
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await renderUsage(root)}\n`);
    return name ? EXIT.ok : EXIT.badInput;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${KAIC_VERSION}\n`);
    return EXIT.ok;
  }
  const load = (commands as Record<string, () => Promise<AnyCommand>>)[name];
  if (!load) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`);
  const cmd = await load();
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

/** The process entry: runs `main`, maps errors to one-line messages and sets the exit code. */
export async function entry(): Promise<void> {
  // `kaic validate ... | head`: a closed pipe ends the output quietly, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\nkaic: ${sig}: stopping and cleaning up (press Ctrl-C again to quit at once)\n`);
      interrupt.abort(new Error(sig));
    } else {
      process.stderr.write('kaic: quitting without cleanup; remove leftovers with `kaic cleanup --all`\n');
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`kaic: ${e.message}\n`);
      code = e.exitCode;
    } else if (isCliError(e)) {
      process.stderr.write(`kaic: ${e.message}\n`);
      code = EXIT.badInput;
    } else {
      process.stderr.write(`kaic: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      code = EXIT.fail;
    }
  }
  process.exitCode = code;
  // Nothing may keep a finished command alive (watches, sockets): exit with its code.
  process.exit(code);
}

