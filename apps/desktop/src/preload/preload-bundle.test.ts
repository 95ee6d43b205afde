import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  desktopInvokeChannels,
  screenUploadProgressChannel,
  type DesktopApi,
  type ScreenUploadProgress,
} from '@vox/shared';
import { createBuilder, type Rolldown } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';

const configFile = fileURLToPath(new URL('../../vite.main.config.ts', import.meta.url));

/** Builds one environment of vite.main.config.ts in memory and returns its single chunk. */
async function bundle(environment: 'main' | 'preload'): Promise<string> {
  const builder = await createBuilder({
    configFile,
    logLevel: 'silent',
    environments: { [environment]: { build: { write: false, sourcemap: false } } },
  });
  const output = (await builder.build(builder.environments[environment]!)) as Rolldown.RolldownOutput;
  const chunks = output.output.filter((item) => item.type === 'chunk');
  expect(chunks).toHaveLength(1);
  return chunks[0]!.code;
}

/** What a sandboxed preload gets: a `require` that knows `electron` and nothing else. */
function runSandboxedPreload(code: string) {
  const invoked: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  let exposed: { name: string; api: DesktopApi } | undefined;
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: DesktopApi) => (exposed = { name, api }) },
    ipcRenderer: {
      invoke: (channel: string, ...args: unknown[]) => {
        invoked.push({ channel, args });
        return Promise.resolve(`answer to ${channel}`);
      },
      on: (channel: string, listener: (...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)?.add(listener);
      },
      removeListener: (channel: string, listener: (...args: unknown[]) => void) =>
        listeners.get(channel)?.delete(listener),
    },
  };
  const sandboxRequire = (name: string) => {
    if (name === 'electron') return electron;
    throw new Error(`module not found: ${name} (a sandboxed preload can only require electron)`);
  };
  const module = { exports: {} };
  new Function('require', 'module', 'exports', code)(sandboxRequire, module, module.exports);
  const emit = (channel: string, ...args: unknown[]) =>
    listeners.get(channel)?.forEach((listener) => listener(...args));
  return { exposed, invoked, emit, listeners };
}

describe('the preload bundle', () => {
  let code: string;

  beforeAll(async () => {
    code = await bundle('preload');
  }, 60_000);

  it('is CommonJS that requires nothing but electron, and carries no schema library', () => {
    const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(code).not.toContain('zod');
    expect(code.length).toBeLessThan(10_000);
  });

  it('exposes the DesktopApi as window.voxDesktop over the shared channels', async () => {
    const { exposed, invoked } = runSandboxedPreload(code);
    expect(exposed?.name).toBe('voxDesktop');
    const api = exposed!.api;
    expect(api.kind).toBe('electron');
    const chunk = new Uint8Array([1, 2]);
    const metadata = {
      connId: '006f02a6d1b9c2e1',
      filetype: 'video/webm',
      startedAt: '2026-11-24T10:00:00.000Z',
    } as const;
    expect(await api.getSettings()).toBe(`answer to ${desktopInvokeChannels.getSettings}`);
    await api.openScreenSpool(metadata);
    await api.appendScreenChunk('spool-1', chunk);
    await api.uploadScreenSpool('spool-1', 'token');
    expect(invoked).toEqual([
      { channel: desktopInvokeChannels.getSettings, args: [] },
      { channel: desktopInvokeChannels.openScreenSpool, args: [metadata] },
      { channel: desktopInvokeChannels.appendScreenChunk, args: ['spool-1', chunk] },
      { channel: desktopInvokeChannels.uploadScreenSpool, args: ['spool-1', 'token'] },
    ]);
  });

  it('hands progress to listeners without the IPC event, until they unsubscribe', () => {
    const { exposed, emit, listeners } = runSandboxedPreload(code);
    const received: unknown[][] = [];
    const unsubscribe = exposed!.api.onScreenUploadProgress((...args) => received.push(args));
    const progress: ScreenUploadProgress = { spoolId: 'spool-1', bytesSent: 1, bytesTotal: 2, state: 'uploading' };
    emit(screenUploadProgressChannel, { sender: 'the ipc event' }, progress);
    expect(received).toEqual([[progress]]);
    unsubscribe();
    expect(listeners.get(screenUploadProgressChannel)?.size).toBe(0);
  });
});

describe('the main bundle', () => {
  it('is one ES module importing only Electron and Node built-ins', async () => {
    const code = await bundle('main');
    const imported = [...code.matchAll(/^import .* from ["']([^"']+)["'];?$/gm)].map((match) => match[1]!);
    const allowed = new Set(['electron', ...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((name) => !allowed.has(name))).toEqual([]);
    expect(code).toContain('registerSchemesAsPrivileged');
  }, 60_000);
});
