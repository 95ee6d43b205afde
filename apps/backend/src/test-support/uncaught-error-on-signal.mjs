// Preloaded into a backend started by a test: SIGUSR2 throws an error that no handler catches,
// the way a bug in a callback would.
process.on('SIGUSR2', () =>
  setImmediate(() => {
    throw new Error('a fault no handler caught (raised by the test on SIGUSR2)');
  }),
);
