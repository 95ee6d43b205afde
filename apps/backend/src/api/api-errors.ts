import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { ApiError, ApiErrorCode } from '@vox/shared';
import { Refusal } from '../platform/refusal.ts';
import { MediaCipherError } from '../recording/crypto/media-cipher.ts';
import { KeystoreError } from '../recording/crypto/tenant-keystore.ts';
import { InvalidCursorError } from '../recording/recordings/recording-store.ts';
import { isDatabaseUnavailable } from '../platform/db/database-unavailable.ts';

/** How long a client is told to wait before trying again while the database is away. */
const databaseRetryAfterS = 5;

/**
 * The HTTP status that answers each error code. A refusal thrown by the domain (SimError) names
 * only what went wrong; its status follows from that here.
 */
export const httpStatusOfCode: Record<ApiErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unknown_dn: 404,
  invalid_call_state: 409,
  range_not_satisfiable: 416,
  upload_limit: 429,
  too_many_attempts: 429,
  key_unavailable: 503,
  media_corrupted: 502,
  database_unavailable: 503,
  method_not_allowed: 405,
  request_timeout: 408,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  expectation_failed: 417,
  headers_too_large: 431,
  internal: 500,
};

export function errorBody(code: string, message: string): ApiError {
  return { error: { code, message } };
}

/** Answers the request with the error `code`, at the status the code carries. */
export function replyWithError(reply: FastifyReply, code: ApiErrorCode, message: string): FastifyReply {
  return reply.status(httpStatusOfCode[code]).send(errorBody(code, message));
}

/** Parses a request part with a shared schema; a mismatch is the caller's 400, naming the field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.length ? issue.path.join('.') : where}: ${issue.message}`)
      .join('; ');
    throw new Refusal('bad_request', `invalid ${where}: ${detail}`);
  }
  return parsed.data;
}

/** Fastify's own 4xx statuses as the contract's codes; any other is answered as a plain 400. */
const fastifyErrorCodes: Partial<Record<number, ApiErrorCode>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'headers_too_large',
};

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof Refusal) {
      return replyWithError(reply, error.code, error.message);
    }
    if (error instanceof InvalidCursorError) {
      return replyWithError(reply, 'bad_request', error.message);
    }
    // Not the caller's fault, but not a bug either: media that cannot be decrypted says why.
    if (error instanceof KeystoreError) {
      request.log.error({ err: error }, 'media key unavailable');
      return replyWithError(reply, 'key_unavailable', error.message);
    }
    if (error instanceof MediaCipherError) {
      request.log.error({ err: error }, 'media failed authentication');
      return replyWithError(reply, 'media_corrupted', error.message);
    }
    // A database restart is an outage to wait out, not a bug: the client may try again.
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      return replyWithError(
        reply.header('Retry-After', String(databaseRetryAfterS)),
        'database_unavailable',
        'the metadata database is unavailable (restarting or unreachable); recordings in progress go on ' +
          'and are listed once it is back: try again shortly',
      );
    }
    const status = 'statusCode' in error ? error.statusCode : undefined;
    if (status && status >= 400 && status < 500) {
      // Fastify's own 4xx: malformed JSON, wrong content type, body too large.
      return replyWithError(reply, fastifyErrorCodes[status] ?? 'bad_request', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return replyWithError(reply, 'internal', 'the server failed to handle this request; see its log');
  });
  app.setNotFoundHandler((request, reply) =>
    replyWithError(reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
}
