// The end-of-run report Falco prints after `-e FILE`: events detected, counts by severity, counts by rule.
import { PRIORITIES, type Priority } from '../rules/types.js';

export interface RuleCount { name: string; priority: Priority; matches: number; suppressed?: number; errors?: number }

/** Falco's `Events detected / Rule counts by severity / Triggered rules by rule name` block (rules with matches only). */
export function detectionSummary(rules: readonly RuleCount[]): string {
  const hit = rules.filter((r) => r.matches > 0);
  const total = hit.reduce((a, r) => a + r.matches, 0);
  let out = `Events detected: ${total}\nRule counts by severity:\n`;
  for (const p of PRIORITIES) {
    const n = hit.filter((r) => r.priority === p).reduce((a, r) => a + r.matches, 0);
    if (n > 0) out += `   ${p}: ${n}\n`;
  }
  out += 'Triggered rules by rule name:\n';
  for (const r of hit) out += `   ${r.name}: ${r.matches}\n`;
  const suppressed = rules.filter((r) => (r.suppressed ?? 0) > 0);
  if (suppressed.length > 0) {
    out += 'Suppressed alerts by rule name (rate limit):\n';
    for (const r of suppressed) out += `   ${r.name}: ${r.suppressed}\n`;
  }
  const failing = rules.filter((r) => (r.errors ?? 0) > 0);
  if (failing.length > 0) {
    out += 'Rule evaluation errors by rule name:\n';
    for (const r of failing) out += `   ${r.name}: ${r.errors}\n`;
  }
  return out;
}
