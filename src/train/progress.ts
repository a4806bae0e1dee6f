// Progress of long work: a live bar on a terminal, plain periodic lines when
// output goes to a file or a pipe (CI logs, `> log.txt`), nothing when quiet.
// Always on stderr, so that `--json` output on stdout stays parseable.
import { platform, type TerminalBar } from '#platform';

export type Verbosity = 'auto' | 'bar' | 'lines' | 'quiet';

export interface Progress {
  start(total: number, label: string): void;
  update(done: number, metrics?: Record<string, number>): void;
  stop(summary?: string): void;
  /** A line of text that does not disturb the bar. */
  log(line: string): void;
}

function fmt(metrics: Record<string, number> | undefined): string {
  if (!metrics) return '';
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(4)}`)
    .join(' · ');
}

class BarProgress implements Progress {
  private bar: TerminalBar | null = null;
  start(total: number, label: string): void {
    this.bar = platform.terminalBar(`${label} [{bar}] {value}/{total} {eta_formatted} {metrics}`);
    this.bar?.start(total, 0, { metrics: '' });
  }
  update(done: number, metrics?: Record<string, number>): void {
    this.bar?.update(done, { metrics: fmt(metrics) });
  }
  stop(summary?: string): void {
    this.bar?.stop();
    this.bar = null;
    if (summary) platform.logLine(summary);
  }
  log(line: string): void {
    platform.logLine(this.bar ? '\r\x1b[K' + line : line);
  }
}

class LineProgress implements Progress {
  private total = 0;
  private label = '';
  private t0 = 0;
  private lastPrint = 0;
  start(total: number, label: string): void {
    this.total = total;
    this.label = label;
    this.t0 = this.lastPrint = Date.now();
    // Say at once that work began: the first periodic line comes only after 10 s.
    platform.logLine(`${label}: ${total} steps`);
  }
  update(done: number, metrics?: Record<string, number>): void {
    const now = Date.now();
    // Every 10 s at most, so logs stay readable over hours of training.
    if (now - this.lastPrint < 10_000 && done < this.total) return;
    this.lastPrint = now;
    const pct = this.total ? ((100 * done) / this.total).toFixed(0) : '?';
    platform.logLine(`${this.label}: ${done}/${this.total} (${pct}%) ${((now - this.t0) / 1000).toFixed(0)}s ${fmt(metrics)}`);
  }
  stop(summary?: string): void {
    if (summary) platform.logLine(summary);
  }
  log(line: string): void {
    platform.logLine(line);
  }
}

class QuietProgress implements Progress {
  start(): void {}
  update(): void {}
  stop(): void {}
  log(): void {}
}

export function createProgress(verbosity: Verbosity = 'auto'): Progress {
  const v = verbosity === 'auto' ? (platform.isTerminal() ? 'bar' : 'lines') : verbosity;
  if (v === 'bar') return new BarProgress();
  if (v === 'lines') return new LineProgress();
  return new QuietProgress();
}
