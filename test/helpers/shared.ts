// Locates ../shared (Falco's corpus and fact sheets). Tests that need it skip with a message when it is
// absent — except under CI=true, where it is always provided and its absence is a failure.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = path.resolve(REPO_ROOT, '..', 'shared');
export const HAVE_SHARED = existsSync(path.join(SHARED_DIR, 'corpus'));

/** Call at the top of a describe() that needs ../shared; returns true when the suite should be skipped. */
export function skipWithoutShared(what: string): boolean {
  if (HAVE_SHARED) return false;
  if (process.env.CI === 'true') throw new Error(`${what}: ../shared is required under CI but ${SHARED_DIR} is missing`);
  console.warn(`SKIP ${what}: ${SHARED_DIR} not found (Falco corpus and reference material live there)`);
  return true;
}

export const sharedPath = (...parts: string[]) => path.join(SHARED_DIR, ...parts);
