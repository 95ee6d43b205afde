import { execFile } from 'node:child_process';
import path from 'node:path';

/** The command-line tools as an operator runs them (their bin/ launchers). */
export const voxCli = path.resolve(import.meta.dirname, '../../bin/vox.mjs');
export const voxSimCli = path.resolve(import.meta.dirname, '../../bin/vox-sim.mjs');

/** The environment without any `VOX_` variable of whoever runs the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VOX_'))),
    ...extra,
  };
}

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI to its end with `env` added to a clean environment; its exit code and output. */
export function runCli(cli: string, args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  return new Promise((resolve) => {
    // stdin is not a terminal here, as in a script or a cron job.
    const child = execFile(process.execPath, [cli, ...args], { env: cleanEnv(env) }, (error, stdout, stderr) =>
      resolve({ code: error?.code === undefined ? 0 : Number(error.code), stdout, stderr }),
    );
    child.stdin?.end();
  });
}
