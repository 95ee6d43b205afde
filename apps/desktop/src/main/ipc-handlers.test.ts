import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  defaultScreenCaptureSettings,
  desktopInvokeChannels,
  screenUploadProgressChannel,
  type DesktopStatus,
  type ScreenUploadProgress,
} from '@vox/shared';
import type { IpcMain } from 'electron';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerDesktopIpc, type DesktopIpcServices } from './ipc-handlers.ts';
import { ScreenSpoolStore } from './screen-spool.ts';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

const metadata = { connId: '006f02a6d1b9c2e1', filetype: 'video/webm', startedAt: '2026-11-24T10:00:00.000Z' };

let dir: string;
let handlers: Map<string, Handler>;
let store: ScreenSpoolStore;
let uploads: { spoolId: string; token: string }[];
let sent: { channel: string; progress: ScreenUploadProgress }[];
let statuses: DesktopStatus[];
let pendingTokens: string[];
let savedUrls: string[];
let opened: string[];

function eventFrom(url: string | null) {
  return {
    senderFrame: url === null ? null : { url },
    sender: {
      isDestroyed: () => false,
      send: (channel: string, progress: ScreenUploadProgress) => sent.push({ channel, progress }),
    },
  };
}

function invoke(channel: string, url: string | null, ...args: unknown[]): Promise<unknown> {
  const handler = handlers.get(channel);
  if (!handler) throw new Error(`nothing handles ${channel}`);
  // ipcMain.handle turns a throw into a rejected invoke, like this.
  return Promise.resolve().then(() => handler(eventFrom(url), ...args));
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vox-ipc-'));
  handlers = new Map();
  store = new ScreenSpoolStore(path.join(dir, 'screen-spool'));
  uploads = [];
  sent = [];
  statuses = [];
  pendingTokens = [];
  savedUrls = [];
  opened = [];
  const ipcMain = { handle: (channel: string, handler: Handler) => handlers.set(channel, handler) };
  const services: DesktopIpcServices = {
    settings: () => ({ backendUrl: 'http://127.0.0.1:8080', capture: defaultScreenCaptureSettings }),
    saveBackendUrl: (url) => {
      savedUrls.push(url);
      return Promise.resolve('changed');
    },
    screenSpools: store,
    uploadScreenSpool: (spoolId, token, report) => {
      uploads.push({ spoolId, token });
      report({ spoolId, bytesSent: 3, bytesTotal: 3, state: 'done' });
      return Promise.resolve();
    },
    uploadPendingScreenSpools: (token) => {
      pendingTokens.push(token);
      return Promise.resolve();
    },
    showStatus: (status) => statuses.push(status),
    openView: (view) => opened.push(view),
  };
  registerDesktopIpc(ipcMain as unknown as Pick<IpcMain, 'handle'>, services);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const agentPage = 'vox-app://desktop/agent.html';

describe('registerDesktopIpc', () => {
  it('handles every invoke channel of the DesktopApi', () => {
    expect([...handlers.keys()].sort()).toEqual(Object.values(desktopInvokeChannels).sort());
  });

  it('spools a recording for an app page: open, append, upload with progress to the sender', async () => {
    const spoolId = (await invoke(desktopInvokeChannels.openScreenSpool, agentPage, metadata)) as string;
    await invoke(desktopInvokeChannels.appendScreenChunk, agentPage, spoolId, new Uint8Array([0x1a, 0x45]));
    expect([...(await readFile(store.videoPath(spoolId)))]).toEqual([0x1a, 0x45]);

    await invoke(desktopInvokeChannels.uploadScreenSpool, agentPage, spoolId, 'token-1');
    expect(uploads).toEqual([{ spoolId, token: 'token-1' }]);
    expect(sent).toEqual([
      { channel: screenUploadProgressChannel, progress: { spoolId, bytesSent: 3, bytesTotal: 3, state: 'done' } },
    ]);
  });

  it('answers the settings', async () => {
    expect(await invoke(desktopInvokeChannels.getSettings, agentPage)).toEqual({
      backendUrl: 'http://127.0.0.1:8080',
      capture: defaultScreenCaptureSettings,
    });
  });

  it('lists the spools on disk, uploads the leftovers with the page’s token and shows the status', async () => {
    const spoolId = (await invoke(desktopInvokeChannels.openScreenSpool, agentPage, metadata)) as string;
    expect(await invoke(desktopInvokeChannels.listPendingScreenUploads, agentPage)).toEqual([
      { spoolId, connId: metadata.connId, bytes: 0, state: 'recording' },
    ]);
    await invoke(desktopInvokeChannels.uploadPendingScreenSpools, agentPage, 'token-2');
    expect(pendingTokens).toEqual(['token-2']);
    await invoke(desktopInvokeChannels.reportStatus, agentPage, 'paused');
    expect(statuses).toEqual(['paused']);
  });

  it('keeps a backend URL the page gives, and refuses one that is not http(s)', async () => {
    await invoke(desktopInvokeChannels.saveBackendUrl, agentPage, 'https://vox.example.com');
    await expect(invoke(desktopInvokeChannels.saveBackendUrl, agentPage, 'file:///etc/passwd')).rejects.toThrow(
      /save-backend-url refused/,
    );
    expect(savedUrls).toEqual(['https://vox.example.com']);
  });

  it('opens the supervisor window for a supervisor who logged in at the agent window, and no other', async () => {
    await invoke(desktopInvokeChannels.openView, agentPage, 'supervisor');
    await expect(invoke(desktopInvokeChannels.openView, agentPage, 'https://evil.example/')).rejects.toThrow(
      /open-view refused/,
    );
    expect(opened).toEqual(['supervisor']);
  });

  it('refuses a status the tray does not know, and status from a foreign page', async () => {
    await expect(invoke(desktopInvokeChannels.reportStatus, agentPage, 'hacked')).rejects.toThrow(
      /report-status refused/,
    );
    await expect(invoke(desktopInvokeChannels.reportStatus, 'https://evil.example/', 'idle')).rejects.toThrow(
      /is not a page under/,
    );
    expect(statuses).toEqual([]);
  });

  it('refuses a foreign sender before touching the spool', async () => {
    await expect(invoke(desktopInvokeChannels.openScreenSpool, 'https://evil.example/', metadata)).rejects.toThrow(
      /is not a page under vox-app:\/\/desktop\//,
    );
    await expect(invoke(desktopInvokeChannels.getSettings, null)).rejects.toThrow(/destroyed frame/);
    expect(await store.list()).toEqual([]);
  });

  it('refuses a bad payload before it reaches the disk or the network', async () => {
    const spoolId = (await invoke(desktopInvokeChannels.openScreenSpool, agentPage, metadata)) as string;
    await expect(invoke(desktopInvokeChannels.appendScreenChunk, agentPage, spoolId, 'not bytes')).rejects.toThrow(
      /append-screen-chunk refused: argument 1/,
    );
    await expect(invoke(desktopInvokeChannels.uploadScreenSpool, agentPage, spoolId, '')).rejects.toThrow(/argument 1/);
    expect((await store.manifest(spoolId)).chunks).toBe(0);
    expect(uploads).toEqual([]);
  });

  it('passes on the spool store refusing an unknown spool', async () => {
    await expect(
      invoke(
        desktopInvokeChannels.appendScreenChunk,
        agentPage,
        '0b7c1f4e-3d2a-4f6b-9c1e-2a3b4c5d6e7f',
        new Uint8Array([1]),
      ),
    ).rejects.toThrow(/there is no screen spool/);
  });
});
