import { z } from 'zod';

/** Every 4xx answer of the REST API has this body; a 5xx is a bug. */
export const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
  }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

export const apiErrorCodes = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'unknown_dn',
  'invalid_call_state',
  'range_not_satisfiable',
  /** 429: the user's unfinished screen uploads are at their limit (count or bytes) */
  'upload_limit',
  /** 429: too many failed logins for this username or address; `Retry-After` says how long to wait */
  'too_many_attempts',
  /** 503: the tenant key that encrypted the media is missing or unreadable */
  'key_unavailable',
  /** 502: stored media failed authentication (altered or cut) */
  'media_corrupted',
  /** 503: the metadata database is restarting or unreachable; `Retry-After` says when to try again */
  'database_unavailable',
  /** 405: a method no route of this server takes (CONNECT: this is not a proxy) */
  'method_not_allowed',
  /** 408: the request did not arrive in time */
  'request_timeout',
  /** 413: a body over the limit (1 MiB for JSON) */
  'payload_too_large',
  /** 414: a path segment over 1024 characters */
  'uri_too_long',
  /** 415: a body of a type the route does not read (JSON routes read only JSON) */
  'unsupported_media_type',
  /** 417: an `Expect` other than `100-continue` */
  'expectation_failed',
  /** 431: a request line and headers over 16 KiB */
  'headers_too_large',
  /** 500: a bug; the server's log says more */
  'internal',
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

/** What went wrong, as a sentence for a log line or a person: an Error's message, or the thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
