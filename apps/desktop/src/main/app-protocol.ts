import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { desktopAppOrigin } from '@vox/shared';
import { isAppPageUrl } from './app-url.ts';

/**
 * The pages may load only their own bundle and talk only to the configured backend (REST,
 * socket.io over HTTP or WebSocket, recording media and thumbnails).
 */
export function contentSecurityPolicy(backendUrl: string): string {
  const backend = new URL(backendUrl);
  const socketOrigin = `${backend.protocol === 'https:' ? 'wss:' : 'ws:'}//${backend.host}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${backend.origin}`,
    `media-src 'self' blob: ${backend.origin}`,
    `connect-src 'self' ${backend.origin} ${socketOrigin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The file a `vox-app://desktop/...` URL names inside the renderer build, or undefined when the
 * URL is not an app URL or its path, once decoded (`..%2F` is only a dot-dot after decoding),
 * leaves that folder.
 */
export function resolveAppAsset(rendererRoot: string, requestUrl: string): string | undefined {
  if (!isAppPageUrl(requestUrl)) return undefined;
  let relative: string;
  try {
    relative = decodeURIComponent(new URL(requestUrl).pathname);
  } catch {
    return undefined;
  }
  // Build output never has these in a name; on Windows a backslash would be a separator.
  if (relative.includes('\0') || relative.includes('\\')) return undefined;
  const root = path.resolve(rendererRoot);
  const file = path.resolve(root, `.${path.sep}${relative}`);
  const inside = path.relative(root, file);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
  return file;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export interface AppAssetHandlerOptions {
  rendererRoot: string;
  /** read at each request: the agent may point the desktop at another backend */
  backendUrl: () => string;
}

/**
 * Answers `vox-app://desktop/...` requests from the renderer build, the handler given to
 * `protocol.handle`. Plain fetch-API types, so it runs (and is tested) without Electron.
 */
export function createAppAssetHandler(options: AppAssetHandlerOptions): (request: Request) => Promise<Response> {
  const answer = (status: number, body: string) =>
    new Response(body, {
      status,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'content-security-policy': contentSecurityPolicy(options.backendUrl()),
      },
    });
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, `${request.method} is not allowed`);
    const file = resolveAppAsset(options.rendererRoot, request.url);
    if (!file) return answer(404, `${request.url} is not part of ${desktopAppOrigin}`);
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') return answer(404, `${new URL(request.url).pathname} was not found`);
      throw error;
    }
    const csp = contentSecurityPolicy(options.backendUrl());
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: {
        'content-type': contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-security-policy': csp,
        'x-content-type-options': 'nosniff',
        // Rebuilt assets keep their names only when their content is unchanged.
        'cache-control': 'no-cache',
      },
    });
  };
}
