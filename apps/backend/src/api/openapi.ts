import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  apiErrorSchema,
  callActionRequestSchema,
  callSnapshotSchema,
  createCallRequestSchema,
  createCallResponseSchema,
  loginRequestSchema,
  loginResponseSchema,
  recordingListSchema,
  recordingQuerySchema,
  recordingSchema,
  traceMessageSchema,
} from '@vox/shared';

interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  body?: z.ZodType;
  response?: z.ZodType;
  query?: z.ZodObject;
  public?: boolean;
}

const operations: Operation[] = [
  {
    method: 'post',
    path: '/api/v2/auth/login',
    summary: 'Log in; returns a bearer token',
    body: loginRequestSchema,
    response: loginResponseSchema,
    public: true,
  },
  {
    method: 'post',
    path: '/api/v2/sim/calls',
    summary: 'Route an inbound call to a DN (TRouteCall); record=source|destination starts recording on answer',
    body: createCallRequestSchema,
    response: createCallResponseSchema,
  },
  {
    method: 'get',
    path: '/api/v2/sim/calls',
    summary: "The calls a DN is a party of now (a desktop's catch-up)",
    query: z.object({ dn: z.string() }),
    response: z.object({ calls: z.array(callSnapshotSchema) }),
  },
  { method: 'get', path: '/api/v2/sim/calls/{connId}', summary: 'One active call', response: callSnapshotSchema },
  {
    method: 'post',
    path: '/api/v2/sim/calls/{connId}/answer',
    summary: 'The ringing DN answers',
    body: callActionRequestSchema,
  },
  {
    method: 'post',
    path: '/api/v2/sim/calls/{connId}/release',
    summary: 'A party releases the call; recording stops',
    body: callActionRequestSchema,
  },
  {
    method: 'get',
    path: '/api/v2/sim/calls/{connId}/trace',
    summary: "The call's SIP and MSML messages in order",
    response: z.object({ messages: z.array(traceMessageSchema) }),
  },
  {
    method: 'get',
    path: '/api/v2/recordings',
    summary: 'Search recordings (* wildcard), newest first, cursor paged',
    query: recordingQuerySchema,
    response: recordingListSchema,
  },
  { method: 'get', path: '/api/v2/recordings/{id}', summary: 'One recording resource', response: recordingSchema },
  {
    method: 'get',
    path: '/api/v2/recordings/{id}/media/{mediaId}',
    summary:
      'Media bytes (voice MP3, muxed screen WebM, thumbnail JPEG); HTTP Range supported; access_token query parameter accepted for media elements',
  },
];

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

/** The OpenAPI 3.1 document of the REST API, generated from the shared schemas it validates with. */
export function openApiDocument(): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters = [
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries(op.query?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: !(schema as z.ZodType).safeParse(undefined).success,
        schema: jsonSchema(schema as z.ZodType),
      })),
    ];
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(op.public ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } }
        : {}),
      responses: {
        '200': {
          description: 'OK',
          ...(op.response ? { content: { 'application/json': { schema: jsonSchema(op.response) } } } : {}),
        },
        '4XX': {
          description: 'The caller got something wrong',
          content: { 'application/json': { schema: jsonSchema(apiErrorSchema) } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Vox Recorder API', version: '2.0.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}

export function registerOpenApi(app: FastifyInstance): void {
  const document = openApiDocument();
  app.get('/api/v2/openapi.json', async () => document);
}
