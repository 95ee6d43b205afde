import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createCallRequestSchema,
  createUserRequestSchema,
  openApiDocument,
  privateServiceRequestSchema,
  retentionRulesSchema,
} from '@vox/shared';
import {
  exampleOf,
  malformedRequests,
  wireFormOf,
  type JsonSchema,
  type OpenApiDocument,
} from './malformed-request-generator.ts';
import { seededRandom } from '../platform/media/seeded-random.ts';

const known = { connId: ['0123456789abcdef'], id: ['rec-1'], dn: ['7001'] };

const document: OpenApiDocument = {
  paths: {
    '/api/v2/sim/calls/{connId}/answer': {
      post: {
        parameters: [{ name: 'connId', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: {
          content: {
            'application/json': {
              schema: z.toJSONSchema(z.object({ dn: z.string(), toDn: z.string().optional() })) as JsonSchema,
            },
          },
        },
      },
    },
    '/api/v2/recordings': {
      get: {
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
      },
    },
  },
};

const options = { seed: 7, perOperation: 30, perParameter: 3, bearer: 'token-1', known };

describe('the seeded random numbers', () => {
  it('repeat for a seed, differ between seeds, and stay in [0, 1)', () => {
    const draw = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw(3).every((n) => n >= 0 && n < 1)).toBe(true);
  });
});

describe('the malformed requests of a document', () => {
  it('are the same for the same seed and differ for another', () => {
    // Digests of the bytes sent: some bodies are megabytes long.
    const sent = (seed: number) =>
      malformedRequests(document, { ...options, seed }).map((request) =>
        createHash('sha256').update(wireFormOf(request)).digest('hex'),
      );
    expect(sent(7)).toEqual(sent(7));
    expect(sent(8)).not.toEqual(sent(7));
  });

  it('are bounded: perParameter for each query parameter and body field, then perOperation', () => {
    const requests = malformedRequests(document, options);
    const count = (operation: string) => requests.filter((r) => r.operation === operation).length;
    expect(count('POST /api/v2/sim/calls/{connId}/answer')).toBe(2 * 3 + 30);
    expect(count('GET /api/v2/recordings')).toBe(2 * 3 + 30);
  });

  it('use the known real ids and the caller’s token where the flaw is elsewhere', () => {
    const requests = malformedRequests(document, options);
    const answer = requests.filter((r) => r.operation.startsWith('POST') && r.flaw.startsWith('body'));
    expect(answer.length).toBeGreaterThan(0);
    for (const request of answer) {
      expect(request.target).toBe('/api/v2/sim/calls/0123456789abcdef/answer');
      expect(request.headerLines).toContain('Authorization: Bearer token-1');
    }
  });

  it('each carry one flaw, across paths, queries, cursors, bodies, headers and request lines', () => {
    const flaws = malformedRequests(document, options).map((r) => r.flaw);
    for (const kind of [
      /^path connId/,
      /^query limit/,
      /^a forged cursor/,
      /^body dn is/,
      /^the body (is|lacks|has)/,
      /^the Authorization header/,
      /^the header line/,
      /^the method/,
      /-byte URL$/,
    ]) {
      expect(
        flaws.some((flaw) => kind.test(flaw)),
        String(kind),
      ).toBe(true);
    }
  });
});

describe('the bytes of a request', () => {
  it('carry the request line, the headers, a Content-Length for the body and Connection: close', () => {
    const wire = wireFormOf({
      operation: 'POST /x',
      flaw: 'none',
      method: 'POST',
      target: '/x',
      version: 'HTTP/1.1',
      headerLines: ['Host: localhost'],
      body: Buffer.from('{}'),
    });
    expect(wire.toString('latin1')).toBe(
      'POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    );
  });

  it('leave the framing to a flaw that wrote its own', () => {
    const wire = wireFormOf({
      operation: 'POST /x',
      flaw: 'chunked',
      method: 'POST',
      target: '/x',
      version: 'HTTP/1.1',
      headerLines: ['Host: localhost', 'Transfer-Encoding: chunked'],
      body: Buffer.from('{}'),
    });
    expect(wire.toString('latin1')).not.toContain('Content-Length');
  });
});

describe('the plausible request a flaw starts from', () => {
  // A plausible body gets past validation, so the flawed field is the only thing wrong with it.
  it.each([
    ['createCallRequestSchema', createCallRequestSchema],
    ['createUserRequestSchema', createUserRequestSchema],
    ['privateServiceRequestSchema', privateServiceRequestSchema],
    ['retentionRulesSchema', retentionRulesSchema],
  ])('is accepted by %s', (_name, schema) => {
    const jsonSchema = z.toJSONSchema(schema as z.ZodType, { io: 'input' }) as JsonSchema;
    expect(schema.safeParse(exampleOf(jsonSchema, '', { ...known, thisDn: ['7001'] })).success).toBe(true);
  });

  it('exists for every operation of the served document', () => {
    const served = openApiDocument() as unknown as OpenApiDocument;
    const requests = malformedRequests(served, { ...options, perOperation: 1, perParameter: 0 });
    const operations = Object.entries(served.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(new Set(requests.map((r) => r.operation))).toEqual(new Set(operations));
  });
});
