// `sensord run [--rules PATH]… [--json] [-t TAG]… [-T TAG]… [--min-priority P]`: the live sensor. Startup is a
// named list of steps (load rules → start outputs → open probe → bootstrap state → watch rules → judge events),
// torn down in reverse on SIGINT/SIGTERM; SIGHUP or a rules file change reloads the rules beside the running set.
import { liveOptionsFrom, type ProbeFlags } from '../live-options.js';
import {
  Engine, EngineError, RuleReloader, formatLoadMessage, loadRules, resolveRulePaths, syscallSelection, type PreparedSet,
} from '../../rules/engine/index.js';
import { OutputQueue, detectionSummary, type AlertOutput } from '../../output/index.js';
import type { Logger } from 'pino';
import type { RuleSet } from '../../rules/types.js';
import {
  alertHostname, buildOutputs, engineOptions, loadRuleFiles, log, reportEngineError, setLogger, step, type AlertingOptions,
} from './alerting.js';
import { configureLogger, type LogFormat } from '../log.js';
import { Telemetry, blindDetectorFrom, httpOutputFrom, type TelemetryFlags } from '../telemetry.js';
import { grpcOutputFrom, type GrpcFlags } from '../grpc-options.js';
import { enrichmentFrom, type EnrichFlags, type EnrichSetup } from '../enrich-options.js';
import { DropMonitor, DropPolicyError, dropPolicyFrom } from '../drops.js';

/** output_fields every alert carries when enrichment runs (Falco's -pc/-pk fields, and the pod's labels). */
export const ALERT_METADATA_FIELDS = [
  'container.id', 'container.name', 'container.image.repository', 'container.image.tag', 'k8s.ns.name', 'k8s.pod.name', 'k8s.pod.labels',
] as const;

export type RunOptions = AlertingOptions & ProbeFlags & TelemetryFlags & GrpcFlags & EnrichFlags;

export async function runRun(opts: RunOptions): Promise<number> {
  let logger: Logger;
  try {
    logger = configureLogger({ format: (opts.logFormat ?? 'json') as LogFormat, level: opts.logLevel ?? 'info' });
  } catch (e) {
    process.stderr.write(`sensord run: ${(e as Error).message}\n`);
    return 2;
  }
  setLogger(logger);
  try {
    return await runLive(opts, logger);
  } finally {
    setLogger(undefined);
  }
}

async function runLive(opts: RunOptions, logger: Logger): Promise<number> {
  let paths: string[];
  let ruleSet: RuleSet;
  let queue!: OutputQueue;
  let engine: Engine;
  let outputs: AlertOutput[];
  let telemetry: Telemetry;
  let probe: import('../../source/live.js').LiveSource | undefined;
  let reloaderRef: RuleReloader | undefined;
  let enrich: EnrichSetup | null = null;
  let drops: DropMonitor | undefined;
  try {
    const engineOpts = engineOptions(opts, (a) => queue.push(a)); // options are checked before anything loads
    // Falco's syscall_event_drops, on the probe's counters (sensord's own loss alert is --blind-threshold).
    drops = DropMonitor.attach(dropPolicyFrom(opts), {
      counters: () => { const s = probe?.stats(); return { events: s?.events ?? 0, drops: s?.drops ?? 0 }; },
      log: (msg, level) => logger[level](msg),
      alert: (a) => { void queue.push(a); },
      timeIso8601: opts.iso8601 === true,
    }, engineOpts);
    enrich = await enrichmentFrom(opts, (what, e) => log(`enrichment: ${what}: ${(e as Error)?.message ?? String(e)}`, 'warn'));
    engineOpts.metadata = enrich?.store ?? null;
    // With metadata, every alert's output_fields carries the container and pod (the SOC's first question).
    if (enrich) engineOpts.extraOutputFields = ALERT_METADATA_FIELDS;
    paths = resolveRulePaths(opts.rules);
    ruleSet = await step('load rules', () => loadRuleFiles(paths, true));
    outputs = buildOutputs(opts);
    const http = httpOutputFrom(opts);
    if (http) outputs.push(http);
    const grpcOut = grpcOutputFrom(opts, alertHostname());
    if (grpcOut) outputs.push(grpcOut);
    // JSON outputs (--json, gRPC, HTTP) need output_fields.
    engineOpts.outputFields = engineOpts.outputFields === true || outputs.some((o) => o.format === 'json');
    queue = new OutputQueue(outputs, {
      hostname: alertHostname(), policy: 'drop',
      onError: (name, kind, e) => log(`output ${name}: ${kind} failed: ${(e as Error).message}`, 'error'),
    });
    engine = new Engine(ruleSet, engineOpts);
    const eng = engine;
    const q = queue;
    // Every Status message to the backend carries the sensor's counters (the spool's are added by the output).
    let kernelDrops = 0;
    grpcOut?.setStatusSource(() => {
      const st = eng.stats();
      if (probe) kernelDrops = probe.stats().drops;
      return { events: st.events, alerts: st.alerts, drops: { kernel: kernelDrops, rate_limit: st.suppressed, output_queue: q.stats().dropped } };
    });
    telemetry = new Telemetry({
      log: logger, queue, outputs, blind: blindDetectorFrom(opts, opts.iso8601 === true),
      sources: {
        source: () => probe, engine: () => eng.stats(), state: () => eng.state.stats(), reloads: () => reloaderRef?.stats(),
        metadata: () => enrich?.store.stats(), pods: () => enrich?.pods?.size,
      },
    });
  } catch (e) {
    await enrich?.store.close(); // its runtime clients and timers must not keep the process alive
    if (e instanceof EngineError || e instanceof DropPolicyError) return reportEngineError('run', e);
    process.stderr.write(`sensord run: ${(e as Error).message}\n`);
    return 2;
  }
  log(`${engine.prepared.rules.length} rules running (of ${ruleSet.rules.length} loaded from ${paths.join(', ')})`);
  log(enrich ? `enrichment: ${enrich.describe}` : 'enrichment: no container runtime socket or Kubernetes config found; container.* fields other than the id give <NA>');
  if (enrich?.pods) {
    const pods = enrich.pods;
    // The first list bounds startup; a watch that cannot start yet keeps retrying in the background.
    await step('start pod watch', () => Promise.race([
      // start() rejects only on a configuration error (nothing to retry); network errors are retried inside it.
      pods.start().catch((e: unknown) => log(`pod watch: ${(e as Error).message} (no pod metadata from the Kubernetes API)`, 'error')),
      new Promise<void>((r) => setTimeout(r, 10_000).unref()),
    ]));
  }
  await step('start outputs', () => queue.init());
  try {
    await step('start metrics', () => telemetry.start(opts.metricsListen), opts.metricsListen === undefined);
  } catch (e) {
    process.stderr.write(`sensord run: --metrics-listen ${opts.metricsListen}: ${(e as Error).message}\n`);
    await queue.close();
    await enrich?.store.close();
    return 2;
  }
  telemetry.metrics.readiness.rulesLoaded = true;

  let live: typeof import('../../source/live.js');
  try {
    live = await import('../../source/live.js');
  } catch (e) {
    process.stderr.write(`sensord run: live capture is not available (${(e as Error).message})\n`);
    await telemetry.close();
    await queue.close();
    await enrich?.store.close();
    return 2;
  }
  const selection = syscallSelection(engine.prepared.eventTypes);
  let source: import('../../source/live.js').LiveSource;
  try {
    source = await step(`open probe (${selection.length} syscalls)`, () => live.openLiveSource({ ...liveOptionsFrom(opts), syscalls: selection }));
  } catch (e) {
    process.stderr.write(`sensord run: ${(e as Error).message}\n`);
    await telemetry.close();
    await queue.close();
    await enrich?.store.close();
    return 1;
  }
  probe = source;
  telemetry.metrics.readiness.probeAttached = true;

  await step('bootstrap state from /proc', async () => {
    const r = engine.state.bootstrapFromProc();
    const { readProcSnapshot } = await import('../../source/proc-snapshot.js');
    // Users, groups, interfaces and hostname for the field context (state already has the processes).
    engine.formatter.loadMetadata(readProcSnapshot({ pids: () => false, includeFds: false }));
    log(`state: ${r.threads} threads, ${r.fds} fds`);
  });

  const reloader = new RuleReloader(engine, {
    compile: () => loadRules(paths),
    onSwapped: (set: PreparedSet, reason) => {
      log(`rules reloaded (${reason}): ${set.rules.length} rules running`);
      try {
        source.select(syscallSelection(set.eventTypes));
      } catch (e) {
        log(`probe selection update failed: ${(e as Error).message}`, 'error');
      }
    },
    onFailed: (reason, errors) => {
      log(`rules reload (${reason}) refused; the running rules stay:`, 'warn');
      if (errors instanceof Error) log(`  ${errors.message}`, 'warn');
      else for (const m of errors) log(`  ${formatLoadMessage(m)}`, 'warn');
    },
  });
  reloaderRef = reloader;
  await step('watch rules', () => reloader.watch(paths));

  let stop = false;
  const onStop = () => { stop = true; };
  const onHup = () => { void reloader.reload('SIGHUP'); };
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  process.on('SIGHUP', onHup);
  log('running: alerts go to stdout (SIGHUP reloads the rules, SIGINT/SIGTERM stops)');
  let rc = 0;
  try {
    while (!stop) {
      const batch = await source.next();
      if (!batch) break;
      if (batch.count === 0) continue;
      if (!(await engine.processBatch(batch))) { rc = 1; break; } // the drop policy's 'exit'
    }
  } catch (e) {
    log(`event loop failed: ${(e as Error).stack ?? String(e)}`, 'error');
    rc = 1;
  } finally {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
    process.off('SIGHUP', onHup);
  }

  // Teardown, in reverse.
  telemetry.metrics.readiness.probeAttached = false;
  await step('stop watching rules', () => reloader.close(), true);
  const probeStats = source.stats();
  probe = undefined;
  await step('close probe', () => source.close(), true);
  await step('flush outputs', () => queue.close(), true);
  await step('stop enrichment', async () => { await enrich?.store.close(); }, true);
  await step('stop metrics', () => telemetry.close(), true);
  const st = engine.stats();
  process.stderr.write(detectionSummary(st.rules));
  const q = queue.stats();
  const rl = reloader.stats();
  process.stderr.write(
    `Events: ${st.events} judged, ${probeStats.drops} dropped by the kernel; alerts ${st.alerts} (suppressed ${st.suppressed}, ` +
    `output drops ${q.dropped}); rule errors ${st.ruleErrors}; reloads ${rl.succeeded} ok / ${rl.failed} refused\n`);
  if (drops !== undefined) process.stderr.write(drops.summary());
  if (enrich) {
    const m = enrich.store.stats();
    process.stderr.write(
      `Metadata: ${m.containers} containers cached, ${m.lookups} lookups (${m.lookupErrors} failed), ${m.eager} learned ahead; ` +
      `events that needed it: ${m.waits.ready} ready, ${m.waits.arrived} waited (${m.waitedMs.toFixed(0)} ms in all), ` +
      `${m.waits.timeout} timed out, ${m.waits.unknown} unknown containers, ${m.waits.unavailable} with no source to ask\n`);
  }
  return rc;
}
