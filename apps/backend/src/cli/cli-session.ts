import { parseArgs } from 'node:util';
import { loginResponseSchema } from '@vox/shared';

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export const connectionUsage = `  --url       backend URL (default: $VOX_URL or http://127.0.0.1:8080)
  --user      user to act as (default: $VOX_USER or admin)
  --password  (default: $VOX_PASSWORD or admin-demo, the demo tenant's)`;

/** A logged-in client of the REST API, for the command-line tools. */
export class CliSession {
  private constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  static async login(url: string, user: string, password: string): Promise<CliSession> {
    const base = url.replace(/\/$/, '');
    const answer = await send(`${base}/api/v2/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ username: user, password }),
    });
    return new CliSession(base, loginResponseSchema.parse(answer).token);
  }

  get(route: string): Promise<unknown> {
    return send(`${this.base}${route}`, { token: this.token });
  }

  post(route: string, body: unknown): Promise<unknown> {
    return send(`${this.base}${route}`, { method: 'POST', body: JSON.stringify(body), token: this.token });
  }
}

async function send(url: string, init: RequestInit & { token?: string }): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers });
  } catch (error) {
    throw new Error(
      `cannot reach ${url}: ${error instanceof Error ? error.message : String(error)} (is the backend running?)`,
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? response.statusText;
    throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${message}`);
  }
  return body;
}

export interface CommandLine {
  positionals: string[];
  help: boolean;
  /** a string option's value, or its default */
  option(name: string): string;
}

/**
 * Parses the arguments: `--url`, `--user`, `--password` (from `VOX_URL`, `VOX_USER`,
 * `VOX_PASSWORD`, or the demo admin), `--help`, and the string options in `extra` (name: default).
 */
export function parseCommandLine(argv: string[], extra: Record<string, string> = {}): CommandLine {
  const defaults: Record<string, string> = {
    url: process.env.VOX_URL ?? 'http://127.0.0.1:8080',
    user: process.env.VOX_USER ?? 'admin',
    password: process.env.VOX_PASSWORD ?? 'admin-demo',
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
    throw new UsageError(error instanceof Error ? error.message : String(error));
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

/** Logs in with the command line's connection options. */
export function sessionFor(commandLine: CommandLine): Promise<CliSession> {
  return CliSession.login(commandLine.option('url'), commandLine.option('user'), commandLine.option('password'));
}

/** Runs a CLI's main: exit code from it, 2 for a usage error, 1 for any other failure. */
export async function runCli(main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
