import { desktopInvokeChannels } from '@vox/shared';
import { describe, expect, it } from 'vitest';
import { checkDesktopInvoke, DesktopIpcRefusal } from './ipc-request.ts';

const agentPage = 'vox-app://desktop/agent.html';
const spoolId = '0b7c1f4e-3d2a-4f6b-9c1e-2a3b4c5d6e7f';
const metadata = { connId: '006f02a6d1b9c2e1', filetype: 'video/webm', startedAt: '2026-11-24T10:00:00.000Z' };

function refusal(run: () => unknown): DesktopIpcRefusal {
  try {
    run();
  } catch (error) {
    if (error instanceof DesktopIpcRefusal) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

describe('checkDesktopInvoke', () => {
  it('accepts a well-formed request from an app page and returns the parsed arguments', () => {
    expect(checkDesktopInvoke('openScreenSpool', agentPage, [metadata])).toEqual([metadata]);
    const chunk = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3]);
    expect(checkDesktopInvoke('appendScreenChunk', 'vox-app://desktop/supervisor.html#x', [spoolId, chunk])).toEqual([
      spoolId,
      chunk,
    ]);
  });

  it.each([
    ['another site', 'https://evil.example/agent.html'],
    ['the backend page', 'http://127.0.0.1:8080/agent'],
    ['another host of the app scheme', 'vox-app://other/agent.html'],
    ['user info posing as the app host', 'vox-app://desktop@evil.example/agent.html'],
    ['a local file', 'file:///work/main/apps/desktop/dist/renderer/agent.html'],
    ['a destroyed frame', undefined],
    ['an empty URL', ''],
  ])('refuses a sender from %s', (_what, senderUrl) => {
    const error = refusal(() => checkDesktopInvoke('uploadScreenSpool', senderUrl, [spoolId, 'token']));
    expect(error.code).toBe('foreign_sender');
    expect(error.message).toContain(desktopInvokeChannels.uploadScreenSpool);
  });

  it('refuses a bad payload and names the argument', () => {
    const error = refusal(() =>
      checkDesktopInvoke('appendScreenChunk', agentPage, ['../../etc/passwd', new Uint8Array([1])]),
    );
    expect(error.code).toBe('bad_payload');
    expect(error.message).toMatch(/argument 0/);
  });

  it('refuses metadata the backend would refuse', () => {
    const error = refusal(() =>
      checkDesktopInvoke('openScreenSpool', agentPage, [{ ...metadata, connId: 'not-a-conn-id' }]),
    );
    expect(error.code).toBe('bad_payload');
    expect(error.message).toMatch(/argument 0\.connId/);
  });

  it('checks the sender before looking at the payload', () => {
    expect(refusal(() => checkDesktopInvoke('getSettings', 'https://evil.example/', ['junk'])).code).toBe(
      'foreign_sender',
    );
  });
});
