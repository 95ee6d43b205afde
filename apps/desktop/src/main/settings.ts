import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultScreenCaptureSettings, screenCaptureSettingsSchema, type DesktopSettings } from '@vox/shared';
import { z } from 'zod';

export const defaultBackendUrl = 'http://127.0.0.1:8080';

/** Only an origin plus an optional path prefix: the renderer appends `/api/v2/...` to it. */
const backendUrlSchema = z
  .url({ protocol: /^https?$/, error: 'backendUrl must be an http:// or https:// URL' })
  .refine((url) => {
    // zod runs every check: an unparsable URL is already reported by the one above.
    if (!URL.canParse(url)) return true;
    const parsed = new URL(url);
    return parsed.search === '' && parsed.hash === '' && parsed.username === '' && parsed.password === '';
  }, 'backendUrl must not carry a query, a fragment or credentials')
  .transform((url) => url.replace(/\/+$/, ''));

/** A file from before the capture settings existed, or naming only some of them, gets the defaults. */
const settingsFileSchema = z.object({
  backendUrl: backendUrlSchema,
  capture: screenCaptureSettingsSchema
    .partial()
    .default({})
    .transform((capture) => ({ ...defaultScreenCaptureSettings, ...capture })),
});

export class DesktopSettingsError extends Error {
  override readonly name = 'DesktopSettingsError';
}

/**
 * The desktop's settings: `settings.json` in the user data folder, written with the defaults on
 * first start so the agent (or an installer) has a file to edit. `VOX_BACKEND_URL` wins over the
 * file without being written to it, so `npm start` can point a desktop at a local backend without
 * changing what the agent configured.
 */
export async function loadDesktopSettings(
  settingsFile: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<DesktopSettings> {
  const fromFile = await readSettingsFile(settingsFile);
  const override = env.VOX_BACKEND_URL;
  if (override === undefined || override === '') return fromFile;
  const parsed = backendUrlSchema.safeParse(override);
  if (!parsed.success) {
    throw new DesktopSettingsError(`VOX_BACKEND_URL "${override}" is not usable: ${issuesOf(parsed.error)}`);
  }
  return { ...fromFile, backendUrl: parsed.data };
}

async function readSettingsFile(settingsFile: string): Promise<DesktopSettings> {
  let text: string;
  try {
    text = await readFile(settingsFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const defaults: DesktopSettings = { backendUrl: defaultBackendUrl, capture: defaultScreenCaptureSettings };
    await mkdir(path.dirname(settingsFile), { recursive: true });
    await writeFile(settingsFile, `${JSON.stringify(defaults, null, 2)}\n`);
    return defaults;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DesktopSettingsError(
      `${settingsFile} is not valid JSON (${(error as Error).message}); fix it or delete it to start from the defaults`,
    );
  }
  const parsed = settingsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new DesktopSettingsError(
      `${settingsFile} is not usable: ${issuesOf(parsed.error)}; fix it or delete it to start from the defaults`,
    );
  }
  return parsed.data;
}

/**
 * Checks a backend URL a page asks for, in the form the settings keep it (host in ASCII, no
 * trailing slash). The page gets the agent's password and the screen recordings to send there, so
 * they never cross a network in the clear: https://, or http:// only to this computer.
 */
export function parseBackendUrl(backendUrl: string): string {
  const parsed = backendUrlSchema.safeParse(backendUrl);
  if (!parsed.success) throw new DesktopSettingsError(`"${backendUrl}" is not usable: ${issuesOf(parsed.error)}`);
  const url = new URL(parsed.data);
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new DesktopSettingsError(
      `"${backendUrl}" is not usable: a backend on another computer must be reached over https:// (http:// only for 127.0.0.1, ::1 or localhost)`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** 127.0.0.0/8, ::1 and localhost, as the URL parser writes them (it turns `127.1` into `127.0.0.1`). */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Writes the settings back, through a temporary file so a crash never leaves half a file. */
export async function saveDesktopSettings(settingsFile: string, settings: DesktopSettings): Promise<void> {
  await mkdir(path.dirname(settingsFile), { recursive: true });
  const temporary = `${settingsFile}.tmp`;
  await writeFile(temporary, `${JSON.stringify(settings, null, 2)}\n`);
  await rename(temporary, settingsFile);
}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ');
}
