// Writes native/include/sensord_events.h from the compiled schema (run `npm run build:ts` first).
import { writeFileSync, mkdirSync } from 'node:fs';
import { renderProbeHeader, PROBE_HEADER_PATH } from '../dist/sensor/src/schema/probe-header.js';
mkdirSync('native/include', { recursive: true });
writeFileSync(PROBE_HEADER_PATH, renderProbeHeader());
console.log(`wrote ${PROBE_HEADER_PATH}`);
