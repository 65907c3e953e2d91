// The PPM_SC tables generic `syscall` events are printed with: name and category per code.
import { describe, expect, it } from 'vitest';
import { PPM_SC_CATEGORIZED, ppmScCategory, ppmScName } from '../../sensor/src/decode/names.js';

const CATEGORIES = new Set(['other', 'system', 'process', 'file', 'time', 'IPC', 'memory', 'wait', 'sleep', 'signal', 'user', 'net', 'unknown']);

describe('PPM_SC tables', () => {
  it('every code up to fadvise64 has a category sysdig prints; later codes (own events only) are unknown', () => {
    expect(PPM_SC_CATEGORIZED).toBe(320);
    expect(ppmScName(319)).toBe('fadvise64');
    for (let code = 0; code < PPM_SC_CATEGORIZED; code++) expect(CATEGORIES.has(ppmScCategory(code)), `code ${code}`).toBe(true);
    expect(ppmScCategory(320)).toBe('unknown');
    expect(ppmScCategory(-1)).toBe('unknown');
  });

  it('spot values of libs syscall_info_table (and an I/O category: unknown, no fd to refine it)', () => {
    const byName = new Map<string, number>();
    for (let code = 1; code < PPM_SC_CATEGORIZED; code++) byName.set(ppmScName(code), code);
    const cat = (name: string) => ppmScCategory(byName.get(name)!);
    expect([cat('clock_gettime'), cat('mprotect'), cat('epoll_pwait'), cat('rt_sigaction'), cat('arch_prctl')]).toEqual(['time', 'memory', 'wait', 'signal', 'process']);
    expect([cat('getuid'), cat('socket'), cat('futex'), cat('nanosleep'), cat('reboot'), cat('ptrace')]).toEqual(['user', 'net', 'IPC', 'sleep', 'system', 'other']);
    expect([cat('exit_group'), cat('ioctl'), cat('readv'), cat('writev'), cat('fcntl'), cat('getdents64')]).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'wait', 'IPC']);
  });
});
