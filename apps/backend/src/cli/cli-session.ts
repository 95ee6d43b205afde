import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ApiCallError, ApiClient, errorMessage, type ApiFetch } from '@vox/shared';
import { promptPassword } from './password-prompt.ts';

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export const connectionUsage = `  --url            backend URL (default: $VOX_URL or http://127.0.0.1:8080)
  --user           user to act as (or $VOX_USER); there is no default
  --password-file  a file holding the user's password (or $VOX_PASSWORD_FILE); without one, the
                   password is asked for at the terminal. Never on the command line, where any
                   user of the machine can read it.`;

/** `fetch`, with a backend that cannot be reached said plainly. */
const cliFetch: ApiFetch = async (url, init) => {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
    throw new Error(`cannot reach ${url}: ${errorMessage(cause)} (is the backend running?)`);
  }
};

/** A logged-in client of the REST API, for the command-line tools. */
export class CliSession {
  private token: string | undefined;
  /** the backend's REST API, as the logged-in user */
  readonly api: ApiClient;

  private constructor(base: string) {
    this.api = new ApiClient({ baseUrl: base, token: () => this.token, fetch: cliFetch });
  }

  static async login(url: string, user: string, password: string): Promise<CliSession> {
    const session = new CliSession(url.replace(/\/$/, ''));
    session.token = (await session.api.call('login', { body: { username: user, password } })).token;
    return session;
  }
}

export interface CommandLine {
  positionals: string[];
  help: boolean;
  /** a string option's value, or its default */
  option(name: string): string;
}

const passwordNotInArgv =
  'a password is never taken from the command line or VOX_PASSWORD (other users of the machine can read those): ' +
  'give --password-file FILE or VOX_PASSWORD_FILE, or type it when asked';

/**
 * Parses the arguments: `--url`, `--user`, `--password-file` (from `VOX_URL`, `VOX_USER`,
 * `VOX_PASSWORD_FILE`), `--help`, and the string options in `extra` (name: default). A password
 * itself is refused.
 */
export function parseCommandLine(argv: string[], extra: Record<string, string> = {}): CommandLine {
  if (argv.some((a) => a === '--password' || a.startsWith('--password='))) {
    throw new UsageError(`${passwordNotInArgv}\n\n${connectionUsage}`);
  }
  if (process.env.VOX_PASSWORD !== undefined) throw new UsageError(passwordNotInArgv);
  const defaults: Record<string, string> = {
    url: process.env.VOX_URL ?? 'http://127.0.0.1:8080',
    user: process.env.VOX_USER ?? '',
    'password-file': process.env.VOX_PASSWORD_FILE ?? '',
    ...extra,
  };
  const options = Object.fromEntries(Object.keys(defaults).map((name) => [name, { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  return {
    positionals: parsed.positionals,
    help: values.help === true,
    option: (name) => {
      const value = values[name];
      return typeof value === 'string' ? value : (defaults[name] ?? '');
    },
  };
}

/** Logs in with the command line's connection options, reading or asking for the password. */
export async function sessionFor(commandLine: CommandLine): Promise<CliSession> {
  const url = commandLine.option('url');
  const user = commandLine.option('user');
  if (!user)
    throw new UsageError(`--user NAME (or VOX_USER) is required: there is no default user\n\n${connectionUsage}`);
  return CliSession.login(url, user, await passwordOf(commandLine, user, url));
}

async function passwordOf(commandLine: CommandLine, user: string, url: string): Promise<string> {
  const file = commandLine.option('password-file');
  if (file) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read the password file ${file}: ${(error as Error).message}`);
    }
    // The line end an editor or `echo` adds is not part of the password.
    const password = text.replace(/\r?\n$/, '');
    if (!password) throw new UsageError(`the password file ${file} is empty`);
    return password;
  }
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `no password: give --password-file FILE (or VOX_PASSWORD_FILE), or run at a terminal to type it\n\n${connectionUsage}`,
    );
  }
  return promptPassword(`Password for ${user} at ${url}: `);
}

/** Runs a CLI's main: exit code from it, 2 for a usage error, 1 for any other failure. */
export async function runCli(main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(
      error instanceof ApiCallError ? `the backend refused: ${error.status} ${error.message}` : errorMessage(error),
    );
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
