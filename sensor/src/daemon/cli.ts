// The `sensord` command line: one subcommand per user task, each implemented in commands/<name>.ts.
import { existsSync, readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { withProbeFlags } from './live-options.js';
import { configHook } from './config.js';
import { CRI_SOCKETS } from '../enrich/types.js';

export async function main(argv: string[]): Promise<void> {
  // A reader that goes away (`sensord rules list | head`) ends the output quietly, as in sysdig; commands that
  // stream to stdout watch their own writes, and other errors stay theirs.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && process.stdout.listenerCount('error') === 1) throw e;
  });
  const program = new Command('sensord')
    .description('Node-level runtime security sensor (Falco event format, Falco rules)')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    // A command line commander refuses (unknown flag, missing value) exits 2, as a bad flag value does in every
    // command; help and --version exit 0. Inherited by the subcommands.
    .exitOverride((err) => { process.exit(err.exitCode === 1 ? 2 : err.exitCode); });

  withProbeFlags(program
    .command('events')
    .description('print events as sysdig does, from a capture (-r) or live')
    .option('-r, --read <file>', 'read events from a .scap capture (gzip or plain)')
    .option('-p, --print <format>', 'output format, sysdig -p syntax (%evt.num %evt.type ...)')
    .option('-n, --count <n>', 'stop after N events', (v) => parseCount(v, '-n'))
    .addOption(new Option('-D, --debug', 'show internal events sysdig hides (procinfo, container, ...)'))
    .argument('[filter...]', 'print only events matching this condition (rules language, no macros), as sysdig\'s filter'))
    .action(async (filter: string[], opts) => {
      const { runEvents } = await import('./commands/events.js');
      process.exitCode = await runEvents({ ...opts, filter: filter.length > 0 ? filter.join(' ') : undefined });
    });

  withProbeFlags(program
    .command('capture')
    .description('capture live events to a .scap file that sysdig and Falco read')
    .requiredOption('-w, --write <file>', 'output .scap file (gzip-compressed)')
    .option('--duration <seconds>', 'stop after SECONDS', (v) => parseCount(v, '--duration'))
    .option('--count <n>', 'stop after N events', (v) => parseCount(v, '--count'))
    .option('--no-env', 'empty the environment of exec events and of the process list (for fixtures)')
    .option('--container <id>', "keep only this container's processes: its events and its part of the process list (ID: the full id or a prefix of 12 or more hex characters)")
    .option('--cri-socket <path>', `CRI runtime socket: each container gets a container event (name, image, pod, privileged, mounts) before its first event ${CRI_DEFAULT}`)
    .option('--containerd-socket <path>', "containerd's own API, for containers CRI does not manage (default: the CRI socket when it is containerd's)")
    .option('--containerd-namespace <ns>', 'containerd namespace to look containers up in (repeatable; default k8s.io and default)', collect)
    .option('--no-runtime', 'no container runtime lookups: no container events in the capture')
    .option('--metadata-wait <ms>', "longest time the capture waits for a new container's metadata before writing on without its event (default 500)")
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


  addRunCommand(program);

  withAlertingFlags(program
    .command('replay')
    .description("judge a .scap capture against rules, like falco -e; per-rule counts on stderr")
    .requiredOption('-r, --read <file>', '.scap capture to replay (gzip or plain)'))
    .option('-v, --verbose', 'log startup steps, rule warnings and engine counters')
    .action(async (opts) => {
      const { runReplay } = await import('./commands/replay.js');
      process.exitCode = await runReplay(opts);
    });

  program
    .command('collector')
    .description('the reference SOC receiver of --grpc: verifies client certificates, dedupes, appends JSON lines, acks')
    .requiredOption('--listen <addr>', 'HOST:PORT to listen on')
    .requiredOption('--out <file>', 'append received alerts (and gap records) to FILE as JSON lines')
    .requiredOption('--tls-ca <file>', 'CA whose client certificates are trusted')
    .requiredOption('--tls-cert <file>', 'server certificate')
    .requiredOption('--tls-key <file>', 'server private key')
    .option('--token <token>', 'require this bearer token (or SENSORD_TOKEN)')
    .option('--max-message-bytes <n>', 'largest accepted message (default 4 MiB)', (v) => parseCount(v, '--max-message-bytes'))
    .action(async (opts) => {
      const { runCollector } = await import('./commands/collector.js');
      process.exitCode = await runCollector(opts);
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
    .option('--rules <path>', 'rules file or directory (repeatable; default: rules/ of the installation)', collect)
    .option('--json', 'machine-readable list')
    .action(async (opts) => {
      const { runRulesList } = await import('./commands/rules.js');
      const { defaultRulesDir } = await import('../rules/engine/index.js');
      const fallback = existsSync(defaultRulesDir()) ? [defaultRulesDir()] : [];
      process.exitCode = runRulesList({ rules: opts.rules, json: opts.json }, fallback);
    });

  await program.parseAsync(argv);
}

/** The rule and alert flags `run` and `replay` share (their options map onto AlertingOptions). */
function withAlertingFlags(cmd: Command): Command {
  return cmd
    .option('--rules <path>', 'rules file or directory, in order (repeatable; default: rules/ of the installation)', collect)
    .option('--json', "alerts as Falco's JSON lines")
    .option('-t, --tag <tag>', 'only rules with this tag (repeatable, Falco -t)', collect)
    .option('-T, --disable-tag <tag>', 'disable rules with this tag (repeatable, Falco -T)', collect)
    .option('--min-priority <priority>', 'least severe priority that runs (EMERGENCY … DEBUG)')
    .option('--rate-limit <rate[:burst]>', 'per-rule token bucket: alerts per second of event time, burst size')
    .option('--iso8601', 'prefix alerts with an ISO 8601 time (Falco time_format_iso_8601)')
    .option('-o, --output-file <file>', 'also append alerts to FILE')
    .option('--rule-matching <mode>', "first (Falco's default: the first matching rule alerts) or all")
    // Falco's syscall_event_drops (daemon/drops.ts); any of these turns the check on.
    .option('--drop-actions <actions>', "on event drops (checked each second): ignore, log, alert, exit (comma-separated or repeatable; Falco's syscall_event_drops.actions)", collect)
    .option('--drop-threshold <ratio>', 'share of events dropped within a second that triggers the actions, 0..1 (default 0.1)')
    .option('--drop-rate <per-second>', 'most drop actions per second (token bucket; default 0.03333, one per 30 s)')
    .option('--drop-max-burst <n>', 'drop actions allowed in a burst (default 1)')
    .option('--simulate-drops', 'count one drop at every check, to test the drop actions');
}

/** `sensord run` with its flags; `--config FILE` fills in the flags not given on the command line. */
export function addRunCommand(program: Command): Command {
  return withProbeFlags(withAlertingFlags(program
    .command('run')
    .description('the live sensor: judge kernel events against Falco-language rules, alerts on stdout')
    .option('-c, --config <file>', 'YAML file of run options: keys are the long flag names (tls-ca or tlsCa); command-line flags win'))
    .option('--http-output <url>', "also POST each alert as Falco's JSON to URL (Falcosidekick; bearer token from $SENSORD_HTTP_TOKEN)")
    .option('--http-header <header>', "extra 'Name: value' header of --http-output (repeatable)", collect)
    .option('--log-format <format>', "the daemon's own logs on stderr: json (default) or text")
    .option('--log-level <level>', 'fatal, error, warn, info (default), debug, trace or silent')
    .option('--metrics-listen <addr>', 'serve /metrics (Prometheus), /healthz and /readyz on HOST:PORT (e.g. 127.0.0.1:9376)')
    .option('--blind-threshold <n>', "a 'Sensor Blind' alert when N or more events are lost (kernel + output drops) within the window (default 1000)")
    .option('--blind-window <seconds>', "window of --blind-threshold, also the least time between two 'Sensor Blind' alerts (default 10)")
    .option('--grpc <addr>', 'stream alerts to a sensord.v1 backend at HOST:PORT (mTLS, acks, disk spool)')
    .option('--tls-ca <file>', 'CA that signed the backend certificate (--grpc)')
    .option('--tls-cert <file>', 'client certificate of this sensor (--grpc)')
    .option('--tls-key <file>', 'private key of --tls-cert (--grpc)')
    .option('--tls-server-name <name>', "name the backend's certificate must carry (default: the host of --grpc); for a backend reached by IP address whose certificate names a host")
    .option('--spool <dir>', 'spool directory of --grpc (default /var/lib/sensord/spool)')
    .option('--spool-max-bytes <n>', 'bound on the spool (default 64 MiB); when full the oldest alerts become a gap record')
    .option('--spool-fsync <policy>', 'always, interval (default, 1 s) or never')
    .option('--token <token>', 'bearer token sent to the backend (or SENSORD_TOKEN)')
    .option('--cri-socket <path>', `CRI runtime socket for container and pod metadata ${CRI_DEFAULT}`)
    .option('--containerd-socket <path>', "containerd's own API, for containers CRI does not manage and for lifecycle events (default: the CRI socket when it is containerd's)")
    .option('--containerd-namespace <ns>', 'containerd namespace to look containers up in (repeatable; default k8s.io and default)', collect)
    .option('--no-runtime', 'no container runtime lookups (container names, images and pods then come only from the Kubernetes watch)')
    .option('--kubeconfig <file>', "watch this node's pods through the Kubernetes API with this kubeconfig")
    .option('--k8s', 'watch pods with the in-cluster service account or the default kubeconfig (automatic when KUBERNETES_SERVICE_HOST is set)')
    .option('--k8s-node <name>', 'this node, for the pod watch (default $NODE_NAME, else the hostname)')
    .option('--metadata-wait <ms>', "longest time an event of a new container waits for the container's metadata (default 500; 0 = never wait)")
    .option('--metadata-max-containers <n>', 'containers whose metadata is cached (default 8192)'))
    .hook('preAction', (thisCmd) => configHook(thisCmd))
    .action(async (opts) => {
      const { runRun } = await import('./commands/run.js');
      process.exitCode = await runRun(opts);
    });
}

/** The version in package.json (the repository root, two levels above dist/sensor/src/daemon/). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The --cri-socket default, in its help. */
const CRI_DEFAULT = `(default: the first of ${CRI_SOCKETS.join(', ')} that exists)`;

/** Repeatable options accumulate into a list. */
function collect(v: string, prev: string[] = []): string[] { return [...prev, v]; }

function parseCount(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag}: expected a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}
