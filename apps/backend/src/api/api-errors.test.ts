import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ApiErrorCode } from '@vox/shared';
import { SimError } from '../telephony/sip-server/sim-error.ts';
import { installErrorHandlers } from './api-errors.ts';

/** The status and body a route answers with when the simulated telephony refuses with `code`. */
async function answerTo(code: ApiErrorCode): Promise<{ status: number; body: unknown }> {
  const app = Fastify();
  installErrorHandlers(app);
  app.get('/refused', async () => {
    throw new SimError(code, `refused with ${code}`);
  });
  const response = await app.inject({ method: 'GET', url: '/refused' });
  await app.close();
  return { status: response.statusCode, body: response.json() };
}

describe("a SimError's answer", () => {
  it.each([
    ['bad_request', 400],
    ['not_found', 404],
    ['unknown_dn', 404],
    ['conflict', 409],
    ['invalid_call_state', 409],
  ] as const)('%s is %i, with the code and message in the body', async (code, status) => {
    expect(await answerTo(code)).toEqual({ status, body: { error: { code, message: `refused with ${code}` } } });
  });
});
