// Imports Falco's event table (the TSV fact sheet of libs 0.25.4) into sensor/src/schema/event-table.ts.
// Run once per libs bump: `node scripts/import-event-table.mjs ../shared/reference/ppm-event-table-libs-0.25.4.tsv`.
// The TS table is the source of truth afterwards; changes to it are additive only (new ids for new layouts).
import { readFileSync, writeFileSync } from 'node:fs';

const [tsvPath, outPath = 'sensor/src/schema/event-table.ts'] = process.argv.slice(2);
if (!tsvPath) {
  console.error('usage: import-event-table.mjs TSV [OUT]');
  process.exit(2);
}
const lines = readFileSync(tsvPath, 'utf8').split('\n').filter((l) => l.trim() !== '');
const rows = [];
for (const line of lines.slice(1)) {
  const [id, code, name, dir, category, flags, nparams, params] = line.split('\t');
  const cats = category.split('|').map((s) => s.trim()).filter(Boolean);
  const fl = flags.split('|').map((s) => s.trim()).filter((s) => s && s !== 'EF_NONE');
  const p = (params ?? '').trim();
  if (p.split(';').filter((s) => s.trim()).length !== Number(nparams)) throw new Error(`row ${id}: nparams mismatch`);
  rows.push(`  [${id}, ${JSON.stringify(code)}, ${JSON.stringify(name)}, ${JSON.stringify(dir)}, ${JSON.stringify(cats.join('|'))}, ${JSON.stringify(fl.join('|'))}, ${JSON.stringify(p)}],`);
}
const out = `// Falco's event table, imported from libs 0.25.4 driver/event_table.c (via the TSV fact sheet) by
// scripts/import-event-table.mjs. This file is the single source of truth for event ids and layouts:
// changes are additive only; a changed layout gets a new id, as libs does.
// Row: [id, PPME code, name, direction, categories, flags, params "name:TYPE[:FMT]; ..."].
export type EventRow = readonly [number, string, string, '>' | '<', string, string, string];

export const EVENT_ROWS: readonly EventRow[] = [
${rows.join('\n')}
];
`;
writeFileSync(outPath, out);
console.log(`wrote ${rows.length} rows to ${outPath}`);
