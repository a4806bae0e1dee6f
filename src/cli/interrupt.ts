// Ctrl-C handling for long commands: the first SIGINT asks the work to stop
// at the next safe point (so results so far are written); a second one exits.
export function onInterrupt(stop: () => void): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) stop();
    else {
      process.stderr.write('\ninterrupted\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
