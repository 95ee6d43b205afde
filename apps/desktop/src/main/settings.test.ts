import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultScreenCaptureSettings } from '@vox/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultBackendUrl,
  DesktopSettingsError,
  loadDesktopSettings,
  parseBackendUrl,
  saveDesktopSettings,
} from './settings.ts';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vox-settings-'));
  file = path.join(dir, 'userData', 'settings.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadDesktopSettings', () => {
  it('starts from the defaults and writes them where the agent can edit them', async () => {
    const defaults = { backendUrl: defaultBackendUrl, capture: defaultScreenCaptureSettings };
    expect(await loadDesktopSettings(file, {})).toEqual(defaults);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      backendUrl: 'http://127.0.0.1:8080',
      capture: { frameRate: 15, maxWidth: 1920, maxHeight: 1080, videoBitsPerSecond: 1_000_000 },
    });
  });

  it('reads the backend URL from the file, without a trailing slash', async () => {
    await loadDesktopSettings(file, {});
    await writeFile(file, JSON.stringify({ backendUrl: 'https://vox.example.com/' }));
    expect(await loadDesktopSettings(file, {})).toEqual({
      backendUrl: 'https://vox.example.com',
      capture: defaultScreenCaptureSettings,
    });
  });

  it('reads the capture settings, each missing one taking its default', async () => {
    await loadDesktopSettings(file, {});
    await writeFile(file, JSON.stringify({ backendUrl: 'https://vox.example.com', capture: { frameRate: 10 } }));
    expect((await loadDesktopSettings(file, {})).capture).toEqual({ ...defaultScreenCaptureSettings, frameRate: 10 });
  });

  it('refuses a capture setting out of bounds, naming it', async () => {
    await loadDesktopSettings(file, {});
    await writeFile(file, JSON.stringify({ backendUrl: 'https://vox.example.com', capture: { frameRate: 120 } }));
    await expect(loadDesktopSettings(file, {})).rejects.toThrow(/capture\.frameRate/);
  });

  it('lets VOX_BACKEND_URL win without writing it to the file', async () => {
    expect((await loadDesktopSettings(file, { VOX_BACKEND_URL: 'http://127.0.0.1:9090' })).backendUrl).toBe(
      'http://127.0.0.1:9090',
    );
    expect(JSON.parse(await readFile(file, 'utf8')).backendUrl).toBe(defaultBackendUrl);
  });

  it.each([
    ['a URL of another scheme', { backendUrl: 'ftp://vox.example.com' }],
    ['a URL with credentials', { backendUrl: 'https://agent:secret@vox.example.com' }],
    ['no backend URL', {}],
    ['a number', { backendUrl: 8080 }],
  ])('refuses a file with %s, naming the file', async (_what, content) => {
    await loadDesktopSettings(file, {});
    await writeFile(file, JSON.stringify(content));
    const error = await loadDesktopSettings(file, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DesktopSettingsError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain('backendUrl');
  });

  it('keeps a backend URL the agent typed at login for the next start', async () => {
    const settings = await loadDesktopSettings(file, {});
    await saveDesktopSettings(file, { ...settings, backendUrl: parseBackendUrl('https://vox.example.com/') });
    expect(await loadDesktopSettings(file, {})).toEqual({ ...settings, backendUrl: 'https://vox.example.com' });
    expect(() => parseBackendUrl('https://agent:secret@vox.example.com')).toThrow(DesktopSettingsError);
  });

  it('refuses a file that is not JSON', async () => {
    await loadDesktopSettings(file, {});
    await writeFile(file, '{ backendUrl: ');
    await expect(loadDesktopSettings(file, {})).rejects.toThrow(/not valid JSON/);
  });

  it('refuses an unusable VOX_BACKEND_URL', async () => {
    await expect(loadDesktopSettings(file, { VOX_BACKEND_URL: '127.0.0.1:8080' })).rejects.toThrow(/VOX_BACKEND_URL/);
  });
});
