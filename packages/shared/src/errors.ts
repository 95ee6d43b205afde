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
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];
