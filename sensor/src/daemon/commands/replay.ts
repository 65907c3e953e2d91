// `sensord replay -r FILE [--rules PATH]… [--json]`: Falco's `-e FILE`: judges every event of a capture, prints
// the alerts on stdout and ends with Falco's per-rule counts on stderr. Nothing is dropped (the output queue
// blocks the reader instead).
import { openScap, ScapError, type ScapReader } from '../../source/scap-reader.js';
import { Engine, resolveRulePaths } from '../../rules/engine/index.js';
import { OutputQueue, detectionSummary } from '../../output/index.js';
import { CaptureContainers } from '../../enrich/capture.js';
import { alertHostname, buildOutputs, engineOptions, loadRuleFiles, log, reportEngineError, step, type AlertingOptions } from './alerting.js';
import { DropMonitor, dropPolicyFrom } from '../drops.js';

export interface ReplayOptions extends AlertingOptions { read: string }

export async function runReplay(opts: ReplayOptions): Promise<number> {
  const quiet = opts.verbose !== true;
  // The capture starts opening (a gzip one inflates off the main thread) while the rules load; its errors are
  // reported after the rules', in the order the command always gave them.
  const opening: Promise<{ reader?: ScapReader; error?: unknown }> = openScap(opts.read, { streaming: true })
    .then((reader) => ({ reader }), (error: unknown) => ({ error }));
  let queue!: OutputQueue;
  let engine: Engine;
  let drops: DropMonitor | undefined;
  try {
    const engineOpts = engineOptions(opts, (a) => queue.push(a)); // options are checked before anything loads
    // Falco's syscall_event_drops: a capture file loses nothing, so only simulate_drops makes it act.
    drops = DropMonitor.attach(dropPolicyFrom(opts), {
      counters: () => ({ events: engine.stats().events, drops: 0 }),
      log: (msg, level) => { if (level !== 'debug' || !quiet) log(msg); },
      alert: (a) => { void queue.push(a); },
      timeIso8601: opts.iso8601 === true,
    }, engineOpts);
    const paths = resolveRulePaths(opts.rules);
    const ruleSet = await step('load rules', () => loadRuleFiles(paths, !quiet), quiet);
    queue = new OutputQueue(buildOutputs(opts), {
      hostname: alertHostname(), policy: 'block',
      onError: (name, kind, e) => process.stderr.write(`sensord replay: output ${name}: ${kind} failed: ${(e as Error).message}\n`),
    });
    engine = new Engine(ruleSet, engineOpts);
    // container.* and k8s.* come from the container events the capture carries, as in Falco's -e.
    engine.fields.metadata = new CaptureContainers(engine.state);
  } catch (e) {
    return reportEngineError('replay', e);
  }
  await step('start outputs', () => queue.init(), quiet);
  let rc = 0;
  try {
    const { reader, error } = await opening;
    if (reader === undefined) throw error;
    for await (const item of reader) {
      if (item.kind === 'section') { engine.loadMetadata(item.metadata); continue; }
      if (!(await engine.processBatch(item.batch))) { rc = 1; break; } // the drop policy's 'exit'
    }
  } catch (e) {
    if (!(e instanceof ScapError)) throw e;
    process.stderr.write(`sensord replay: ${opts.read}: ${e.message} [${e.code}]\n`);
    rc = 1;
  }
  await step('flush outputs', () => queue.close(), quiet);
  const st = engine.stats();
  process.stderr.write(detectionSummary(st.rules));
  if (drops !== undefined) process.stderr.write(drops.summary());
  if (!quiet) process.stderr.write(`Events: ${st.events}; rule evaluations: ${st.evaluations}; rule errors: ${st.ruleErrors}\n`);
  return rc;
}
