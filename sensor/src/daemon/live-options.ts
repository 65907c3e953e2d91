// Probe flags shared by every live command (events, capture, run): ring size and layout, wake-up threshold
// and snaplen, passed to the live source as they are (it validates them with the native side).
import type { Command } from 'commander';
import type { LiveOptions } from '../source/live.js';

export interface ProbeFlags { ringBytes?: number; cpusPerRing?: number; wakeupBytes?: number; snaplen?: number }

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: expected a non-negative integer, got ${JSON.stringify(v)}`);
    return n;
  };
}

/** Adds --ring-bytes, --cpus-per-ring, --wakeup-bytes and --snaplen to a live command. */
export function withProbeFlags(cmd: Command): Command {
  return cmd
    .option('--ring-bytes <n>', 'bytes per BPF ring buffer (power of two, default 8 MiB)', positiveInt('--ring-bytes'))
    .option('--cpus-per-ring <n>', 'CPUs sharing one ring: 1 = a ring per CPU (default), 0 = one ring for all', positiveInt('--cpus-per-ring'))
    .option('--wakeup-bytes <n>', 'wake the reader once this many bytes are pending (default 256 KiB)', positiveInt('--wakeup-bytes'))
    .option('--snaplen <n>', 'bytes of I/O data kept per event (default 80)', positiveInt('--snaplen'));
}

export function liveOptionsFrom(flags: ProbeFlags): LiveOptions {
  const out: LiveOptions = {};
  if (flags.ringBytes !== undefined) out.ringBytes = flags.ringBytes;
  if (flags.cpusPerRing !== undefined) out.cpusPerRing = flags.cpusPerRing;
  if (flags.wakeupBytes !== undefined) out.wakeupBytes = flags.wakeupBytes;
  if (flags.snaplen !== undefined) out.snaplen = flags.snaplen;
  return out;
}
