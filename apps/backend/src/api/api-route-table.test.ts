import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, openApiDocument, type ApiRoute } from '@vox/shared';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

const routes = Object.entries(apiRoutes) as Array<[string, ApiRoute]>;

describe('the route table in packages/shared is the API', () => {
  let backend: VoxTestBackend;

  beforeAll(async () => {
    backend = await VoxTestBackend.start();
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('has every route of it served: none answers "no such route"', async () => {
    const unknown = await fetch(`${backend.url}/api/v2/no-such-route`);
    expect(unknown.status).toBe(404);
    for (const [name, route] of routes) {
      const url = route.path.replace(/\{(\w+)\}/g, 'x');
      const response = await fetch(`${backend.url}${url}`, {
        method: route.method.toUpperCase(),
        ...(route.body ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      // Without a token: 401, 403 or 400, never Fastify's 404 for a route it does not have.
      expect(response.status, `${name}: ${route.method} ${route.path}`).not.toBe(404);
      expect(response.status, name).toBeLessThan(500);
    }
  });

  it('refuses a caller outside a route’s roles before reading its input', async () => {
    const agentToken = await backend.token('agent1');
    const response = await backend.call('PUT', '/api/v2/sim/dns/7001', { type: 'nonsense' }, agentToken);
    expect(response.status).toBe(403);
  });

  it('serves the OpenAPI document generated from it, and a browsable page at /api/docs', async () => {
    const served = await backend.call('GET', '/api/v2/openapi.json');
    expect(served.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    const operations = Object.values((served.body as { paths: Record<string, object> }).paths).flatMap((methods) =>
      Object.keys(methods),
    );
    expect(operations).toHaveLength(routes.length);

    const page = await fetch(`${backend.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/script-src/);
    const html = await page.text();
    for (const [name, route] of routes) {
      expect(html, name).toContain(`id="${name}"`);
      expect(html).toContain(route.path);
    }
  });

  it('is the only place REST routes under /api/v2 are declared (tus uploads speak their own protocol)', () => {
    const apiDir = import.meta.dirname;
    const declaredByHand = readdirSync(apiDir)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .flatMap((file) =>
        [
          ...readFileSync(path.join(apiDir, file), 'utf8').matchAll(
            /app\.(get|post|put|patch|delete|all|route)\(\s*['`"]\/api\/v2[^'`"]*/g,
          ),
        ].map((match) => `${file}: ${match[0]}`),
      );
    expect(declaredByHand).toEqual([]);
  });
});
