// How busy the machine is with other work before a bench starts: the share
// of all cores' time spent neither idle nor waiting for I/O over a short
// window while this process sleeps (Linux /proc/stat; steal time counts as
// busy: the host gave the time to someone else). The load average cannot say this: it decays
// over minutes and counts waiting processes of any priority.
import { existsSync, readFileSync } from 'node:fs';

function cpuTimes(): { busy: number; total: number } | null {
  if (!existsSync('/proc/stat')) return null;
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]; // "cpu  user nice system idle iowait irq softirq steal ..."
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Fraction (0..1) of the machine's CPU time that was not idle during `ms` while this process slept; null where /proc/stat is missing. */
export async function machineBusy(ms = 1000): Promise<number | null> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return null;
  return (b.busy - a.busy) / (b.total - a.total);
}

/** "idle (3 % busy)" or "busy: 87 % of the CPU time ..." for a bench's header line. */
export function describeBusy(busy: number | null): { text: string; provisional: boolean } {
  if (busy === null) return { text: 'CPU use before the start unknown', provisional: false };
  const pct = Math.round(busy * 100);
  return busy > 0.15
    ? { text: `busy before the start (${pct} % of the CPU time non-idle in the second before)`, provisional: true }
    : { text: `idle before the start (${pct} % of the CPU time non-idle in the second before)`, provisional: false };
}
