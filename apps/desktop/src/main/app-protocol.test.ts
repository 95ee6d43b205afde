import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, createAppAssetHandler, resolveAppAsset } from './app-protocol.ts';

describe('contentSecurityPolicy', () => {
  it('allows the app itself and the configured backend, nothing else', () => {
    const csp = contentSecurityPolicy('http://127.0.0.1:8080');
    expect(csp.split('; ')).toEqual([
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob: http://127.0.0.1:8080",
      "media-src 'self' blob: http://127.0.0.1:8080",
      "connect-src 'self' http://127.0.0.1:8080 ws://127.0.0.1:8080",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ]);
  });

  it('uses wss for an https backend and keeps only its origin', () => {
    const csp = contentSecurityPolicy('https://vox.example.com/tenant-a');
    expect(csp).toContain("connect-src 'self' https://vox.example.com wss://vox.example.com;");
    expect(csp).not.toContain('tenant-a');
  });
});

describe('resolveAppAsset', () => {
  const root = path.resolve('/opt/vox/dist/renderer');

  it('maps app URLs to files in the renderer build', () => {
    expect(resolveAppAsset(root, 'vox-app://desktop/agent.html')).toBe(path.join(root, 'agent.html'));
    expect(resolveAppAsset(root, 'vox-app://desktop/assets/agent-1.js?v=2#x')).toBe(
      path.join(root, 'assets', 'agent-1.js'),
    );
  });

  it.each(['vox-app://desktop/../../../etc/passwd', 'vox-app://desktop/%2e%2e/%2e%2e/etc/passwd'])(
    'keeps %s inside the build (the URL parser already drops the dot-dots)',
    (url) => {
      expect(resolveAppAsset(root, url)).toBe(path.join(root, 'etc', 'passwd'));
    },
  );

  it.each([
    'vox-app://desktop/assets/..%2F..%2F..%2Fetc%2Fpasswd',
    'vox-app://desktop/assets/..%5C..%5Csecret',
    'vox-app://desktop/agent.html%00.js',
    'vox-app://desktop/%E0%A4%A',
    'vox-app://desktop/',
    'vox-app://elsewhere/agent.html',
    'file:///etc/passwd',
  ])('refuses %s', (url) => {
    expect(resolveAppAsset(root, url)).toBeUndefined();
  });
});

describe('createAppAssetHandler', () => {
  let root: string;
  let handle: (request: Request) => Promise<Response>;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vox-renderer-'));
    await mkdir(path.join(root, 'renderer', 'assets'), { recursive: true });
    await writeFile(path.join(root, 'renderer', 'agent.html'), '<!doctype html><title>agent</title>');
    await writeFile(path.join(root, 'renderer', 'assets', 'agent.js'), 'console.log(1)');
    await writeFile(path.join(root, 'secret.txt'), 'outside the build');
    handle = createAppAssetHandler({
      rendererRoot: path.join(root, 'renderer'),
      backendUrl: () => 'http://127.0.0.1:8080',
    });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('serves a page with its type and the content security policy', async () => {
    const response = await handle(new Request('vox-app://desktop/agent.html'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicy('http://127.0.0.1:8080'));
    expect(await response.text()).toContain('<title>agent</title>');
  });

  it('serves module scripts as JavaScript', async () => {
    const response = await handle(new Request('vox-app://desktop/assets/agent.js'));
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404 for a missing file and for a path leaving the build', async () => {
    expect((await handle(new Request('vox-app://desktop/missing.html'))).status).toBe(404);
    expect((await handle(new Request('vox-app://desktop/%2e%2e/secret.txt'))).status).toBe(404);
    expect((await handle(new Request('vox-app://desktop/assets'))).status).toBe(404);
  });

  it('refuses writes', async () => {
    expect((await handle(new Request('vox-app://desktop/agent.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});
