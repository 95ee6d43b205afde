import { ConfigError, loadConfig } from './config.ts';
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
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing recordings in progress and stopping the database...`);
    vox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
