// The machine a bench table was measured on; every table prints it, because a
// speed ratio means little without the CPU and the JS engine behind it.
import os from 'node:os';
import { readFileSync } from 'node:fs';

export interface MachineInfo {
  cpuModel: string;
  /** Logical cores the process may use. */
  cores: number;
  node: string;
  v8: string;
  platform: string;
  arch: string;
  totalMemoryGiB: number;
  /** family/model/stepping and a few SIMD flags: VMs often hide the marketing name. */
  cpuId: string;
}

function cpuInfoText(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return ''; // not Linux
  }
}

function cpuId(text: string): string {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(text)?.[1].trim();
  if (!text) return 'unknown';
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const simd = ['avx2', 'fma', 'avx512f', 'avx512_vpopcntdq', 'amx_tile'].filter((f) => flags.has(f));
  return `family ${field('cpu family')} model ${field('model')} stepping ${field('stepping')}; ${simd.join(' ')}`;
}

function cpuModel(): string {
  const fromOs = os.cpus()[0]?.model?.trim();
  if (fromOs) return fromOs;
  // Some containers return an empty os.cpus(); /proc/cpuinfo usually still knows.
  return /^model name\s*:\s*(.+)$/m.exec(cpuInfoText())?.[1].trim() ?? 'unknown';
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    node: process.version,
    v8: process.versions.v8,
    platform: os.platform(),
    arch: os.arch(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpuId: cpuId(cpuInfoText()),
  };
}

/** One line for the head of a bench table. */
export function machineLine(m: MachineInfo = machineInfo()): string {
  return `${m.cpuModel} (${m.cpuId}), ${m.cores} cores, Node ${m.node}, V8 ${m.v8}, ${m.platform}-${m.arch}`;
}
