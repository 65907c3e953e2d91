// The `sensord` command line: one subcommand per user task, each implemented in commands/<name>.ts.
import { Command, Option } from 'commander';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('sensord')
    .description('Node-level runtime security sensor (Falco event format, Falco rules)')
    .showHelpAfterError();

  program
    .command('events')
    .description('print events as sysdig does, from a capture (-r) or live')
    .option('-r, --read <file>', 'read events from a .scap capture (gzip or plain)')
    .option('-p, --print <format>', 'output format, sysdig -p syntax (%evt.num %evt.type ...)')
    .option('-n, --count <n>', 'stop after N events', (v) => parseCount(v, '-n'))
    .addOption(new Option('-D, --debug', 'show internal events sysdig hides (procinfo, container, ...)'))
    .action(async (opts) => {
      const { runEvents } = await import('./commands/events.js');
      process.exitCode = await runEvents(opts);
    });

  program
    .command('capture')
    .description('capture live events to a .scap file that sysdig and Falco read')
    .requiredOption('-w, --write <file>', 'output .scap file (gzip-compressed)')
    .option('--duration <seconds>', 'stop after SECONDS', (v) => parseCount(v, '--duration'))
    .option('--count <n>', 'stop after N events', (v) => parseCount(v, '--count'))
    .option('--no-env', 'empty the environment of exec events and of the process list (for fixtures)')
    .argument('[command...]', 'run COMMAND and keep only its process tree; the capture ends when it exits (put it after --)')
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

  await program.parseAsync(argv);
}

function parseCount(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag}: expected a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}
