// The `sensord` command line: one subcommand per user task, each implemented in commands/<name>.ts.
import { Command, Option } from 'commander';
import { withProbeFlags } from './live-options.js';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('sensord')
    .description('Node-level runtime security sensor (Falco event format, Falco rules)')
    .showHelpAfterError();

  withProbeFlags(program
    .command('events')
    .description('print events as sysdig does, from a capture (-r) or live')
    .option('-r, --read <file>', 'read events from a .scap capture (gzip or plain)')
    .option('-p, --print <format>', 'output format, sysdig -p syntax (%evt.num %evt.type ...)')
    .option('-n, --count <n>', 'stop after N events', (v) => parseCount(v, '-n'))
    .addOption(new Option('-D, --debug', 'show internal events sysdig hides (procinfo, container, ...)')))
    .action(async (opts) => {
      const { runEvents } = await import('./commands/events.js');
      process.exitCode = await runEvents(opts);
    });

  withProbeFlags(program
    .command('capture')
    .description('capture live events to a .scap file that sysdig and Falco read')
    .requiredOption('-w, --write <file>', 'output .scap file (gzip-compressed)')
    .option('--duration <seconds>', 'stop after SECONDS', (v) => parseCount(v, '--duration'))
    .option('--count <n>', 'stop after N events', (v) => parseCount(v, '--count'))
    .option('--no-env', 'empty the environment of exec events and of the process list (for fixtures)')
    .argument('[command...]', 'run COMMAND and keep only its process tree; the capture ends when it exits (put it after --)'))
    .action(async (command: string[], opts) => {
      const { runCapture } = await import('./commands/capture.js');
      process.exitCode = await runCapture({ ...opts, command });
    });

  program
    .command('list-fields')
    .description('list every field usable in rule conditions and -p formats, like falco --list')
    .option('--json', 'machine-readable list')
    .action(async (opts) => {
      const { runListFields } = await import('./commands/list-fields.js');
      process.exitCode = runListFields(opts);
    });

  const collect = (v: string, prev: string[] = []) => [...prev, v];

  withProbeFlags(program
    .command('run')
    .description('the live sensor: judge kernel events against Falco-language rules, alerts on stdout')
    .option('--rules <path>', 'rules file or directory, in order (repeatable; default: rules/ of the installation)', collect)
    .option('--json', "alerts as Falco's JSON lines")
    .option('-t, --tag <tag>', 'only rules with this tag (repeatable, Falco -t)', collect)
    .option('-T, --disable-tag <tag>', 'disable rules with this tag (repeatable, Falco -T)', collect)
    .option('--min-priority <priority>', 'least severe priority that runs (EMERGENCY … DEBUG)')
    .option('--rate-limit <rate[:burst]>', 'per-rule token bucket: alerts per second of event time, burst size')
    .option('--iso8601', 'prefix alerts with an ISO 8601 time (Falco time_format_iso_8601)')
    .option('-o, --output-file <file>', 'also append alerts to FILE'))
    .action(async (opts) => {
      const { runRun } = await import('./commands/run.js');
      process.exitCode = await runRun(opts);
    });

  program
    .command('replay')
    .description("judge a .scap capture against rules, like falco -e; per-rule counts on stderr")
    .requiredOption('-r, --read <file>', '.scap capture to replay (gzip or plain)')
    .option('--rules <path>', 'rules file or directory, in order (repeatable; default: rules/ of the installation)', collect)
    .option('--json', "alerts as Falco's JSON lines")
    .option('-t, --tag <tag>', 'only rules with this tag (repeatable, Falco -t)', collect)
    .option('-T, --disable-tag <tag>', 'disable rules with this tag (repeatable, Falco -T)', collect)
    .option('--min-priority <priority>', 'least severe priority that runs (EMERGENCY … DEBUG)')
    .option('--rate-limit <rate[:burst]>', 'per-rule token bucket: alerts per second of event time, burst size')
    .option('--iso8601', 'prefix alerts with an ISO 8601 time (Falco time_format_iso_8601)')
    .option('-o, --output-file <file>', 'also append alerts to FILE')
    .option('-v, --verbose', 'log startup steps, rule warnings and engine counters')
    .action(async (opts) => {
      const { runReplay } = await import('./commands/replay.js');
      process.exitCode = await runReplay(opts);
    });

  const rules = program.command('rules').description('validate and list Falco rules files');
  rules
    .command('validate')
    .description("load rules files/directories and report errors and warnings, like falco -V (exit 0 when no errors)")
    .argument('<paths...>', 'rules files or directories, loaded in order')
    .option('--json', "Falco's machine-readable load result")
    .option('--dump-js', 'print the JavaScript generated for each rule')
    .action(async (paths: string[], opts) => {
      const { runRulesValidate } = await import('./commands/rules.js');
      process.exitCode = runRulesValidate(paths, { json: opts.json, dumpJs: opts.dumpJs });
    });
  rules
    .command('list')
    .description('list the rules of rules files: name, priority, source, event-type count, tags')
    .option('--rules <path>', 'rules file or directory (repeatable; default: rules/ of the installation)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--json', 'machine-readable list')
    .action(async (opts) => {
      const { runRulesList } = await import('./commands/rules.js');
      const { defaultRulesDir } = await import('../rules/engine/index.js');
      const { existsSync } = await import('node:fs');
      const fallback = existsSync(defaultRulesDir()) ? [defaultRulesDir()] : [];
      process.exitCode = runRulesList({ rules: opts.rules, json: opts.json }, fallback);
    });

  await program.parseAsync(argv);
}

function parseCount(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag}: expected a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}
