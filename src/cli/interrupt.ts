// Ctrl-C, SIGTERM (kill, a job scheduler) and SIGHUP (the terminal closed)
// for long commands: the first signal asks the work to stop at the next safe
// point (so results so far are written); a second one exits at once, after
// `hardExit` (e.g. removing this process's temporary files). What a run has
// finished (completed epochs, sweep points) is already on disk by then: the
// commands write it as they go, each file atomically.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function onInterrupt(stop: (signal: string) => void, hardExit?: () => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) stop(signal);
    else {
      process.stderr.write(`\ninterrupted (${signal})\n`);
      try {
        hardExit?.();
      } finally {
        process.exit(130);
      }
    }
  };
  for (const s of SIGNALS) process.on(s, handler);
  return () => { for (const s of SIGNALS) process.off(s, handler); };
}
