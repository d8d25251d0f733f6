/**
 * SIGINT and SIGTERM, handled the same way by every long-running command: the first one asks to stop
 * cleanly (the handler decides how); a second one quits at once with 128 + the signal's number.
 */
export function onStopSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  let seen = false;
  const listener = (signal: NodeJS.Signals): void => {
    if (seen) process.exit(signal === 'SIGINT' ? 130 : 143);
    seen = true;
    handler(signal);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

/** Resolves at the first SIGINT or SIGTERM (a second one still quits at once). */
export function stopRequested(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    onStopSignals(resolve);
  });
}
