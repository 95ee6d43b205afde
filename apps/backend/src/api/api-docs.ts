import { z } from 'zod';
import { apiRoutes, openApiDocument, rolesOf, type ApiRoute } from '@vox/shared';
import type { ApiRouteServer } from './api-route-server.ts';

/** The page runs nothing: styles inline, no script, no fetch. */
const docsContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function schemaBlock(title: string, schema: z.ZodType | undefined): string {
  if (!schema) return '';
  const json = JSON.stringify(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), null, 2);
  return `<details><summary>${title}</summary><pre>${escapeHtml(json)}</pre></details>`;
}

function accessOf(route: ApiRoute): string {
  if (route.access === 'public') return 'anyone';
  if (route.access === 'handler') return 'a bearer token (or a media ticket, for media)';
  return rolesOf(route)!.join(', ');
}

function routeSection(name: string, route: ApiRoute): string {
  return `<section id="${name}">
<h2><span class="method ${route.method}">${route.method.toUpperCase()}</span> <code>${escapeHtml(route.path)}</code></h2>
<p>${escapeHtml(route.summary)}</p>
<p class="meta">${escapeHtml(name)} · who: ${escapeHtml(accessOf(route))} · answers ${route.status ?? 200}</p>
${schemaBlock('path parameters', route.params)}${schemaBlock('query', route.query)}${schemaBlock('request body', route.body)}${schemaBlock('response', route.response)}
</section>`;
}

/** The API browsable as one page, from the same table the routes are served from. */
export function apiDocsPage(): string {
  const entries = Object.entries(apiRoutes) as Array<[string, ApiRoute]>;
  const index = entries
    .map(([name, r]) => `<li><a href="#${name}">${r.method.toUpperCase()} ${escapeHtml(r.path)}</a></li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vox Recorder API</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #1d2433; }
section { border-top: 1px solid #dde2ea; padding: .6em 0; }
h2 { font-size: 1.05em; margin: .3em 0; }
.method { display: inline-block; min-width: 4.2em; font-size: .8em; padding: .1em .4em; border-radius: 3px; color: #fff; background: #58708f; }
.get { background: #2f7d4f; } .post { background: #2b5fad; } .put, .patch { background: #9a6a12; } .delete { background: #a33a3a; }
.meta { color: #5b6576; font-size: .9em; }
pre { background: #f4f6f9; padding: .6em; overflow-x: auto; font-size: .85em; }
</style></head><body>
<h1>Vox Recorder API</h1>
<p>Every route takes <code>Authorization: Bearer &lt;token&gt;</code> from <code>POST /api/v2/auth/login</code> unless it says anyone.
Errors answer <code>{"error": {"code", "message"}}</code>; T-Library requests answer EventError.
The same description as OpenAPI 3.1: <a href="/api/v2/openapi.json">/api/v2/openapi.json</a>.</p>
<ul>${index}</ul>
${entries.map(([name, route]) => routeSection(name, route)).join('\n')}
</body></html>`;
}

export function registerApiDocs(routes: ApiRouteServer): void {
  const document = openApiDocument();
  routes.serve(apiRoutes.openApi, () => document);
  const page = apiDocsPage();
  routes.app.get('/api/docs', (_request, reply) =>
    reply.header('Content-Security-Policy', docsContentSecurityPolicy).type('text/html').send(page),
  );
}
