// Runs the benchmarks and prints ratios against baselines measured in the same run.
//   node dist/bench/run.js [decode|storm|churn|rules|delivery|pods|all] [--capture FILE]
// Needs root (live probe), gcc and sysdig. See bench/README.md.
import path from 'node:path';
import { tmpdir } from 'node:os';
import { decodeBench, ensureCapture, printDecode } from './decode.js';
import { liveStorm, printStorm } from './live-storm.js';
import { churn, printChurn } from './churn.js';
import { rulesBench, printRules } from './rules.js';
import { podsChurn, printPods } from './pods.js';
import { deliveryLatency, deliveryThroughput, printLatency, printThroughput } from './delivery.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const which = args.find((a) => !a.startsWith('-')) ?? 'all';
  const ci = args.indexOf('--capture');
  const capture = ci >= 0 ? args[ci + 1] : path.join(tmpdir(), 'sensord-bench', 'workload-1m.scap');
  if (which === 'decode' || which === 'all') {
    await ensureCapture(capture);
    printDecode(await decodeBench(capture), capture);
  }
  if (which === 'storm' || which === 'all') {
    const calls = 4_000_000;
    printStorm(await liveStorm(calls, 3), calls, 3);
  }
  if (which === 'churn' || which === 'all') {
    printChurn(await churn(100_000, 1_000_000));
  }
  if (which === 'rules' || which === 'all') {
    await ensureCapture(capture);
    printRules(await rulesBench(capture), capture);
  }
  if (which === 'delivery' || which === 'all') {
    printThroughput(await deliveryThroughput(50_000));
    printLatency(await deliveryLatency(200, 20, 100_000));
  }
  if (which === 'pods' || which === 'all') {
    printPods(await podsChurn(1000));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
