import { ConfigError, loadConfig } from './platform/config.ts';
import { startVox } from './server.ts';

/** `npm run backend`: starts Vox and stops everything it started on Ctrl-C or SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const vox = await startVox(config);
  console.log(`Vox Recorder backend ready at ${vox.url} (agent: ${vox.url}/agent, supervisor: ${vox.url}/supervisor)`);
  if (vox.sipPort !== undefined && config.siprec) {
    const sip = `${config.siprec.host}:${vox.sipPort}`;
    console.log(`SIPREC recording server on ${sip} (udp, tcp); place a test call: npx vox-sim siprec --to ${sip}`);
  }
  let stopping = false;
  const stop = (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`${reason}: finishing recordings in progress and stopping the database...`);
    vox.close().then(
      () => process.exit(exitCode),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  // The last resort: a bug that escaped every handler still ends recordings in order (files
  // sealed, metadata queued) before the process exits; what even that cannot finish in time is
  // left to the journals and recovered at the next start.
  const fatal = (error: unknown) => {
    console.error('uncaught error, stopping:', error);
    setTimeout(() => process.exit(1), fatalShutdownMs).unref();
    stop('uncaught error', 1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}

/** How long a fatal error leaves the recordings to finish before the process exits anyway. */
const fatalShutdownMs = 30_000;

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
