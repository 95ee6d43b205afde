import type { ApiErrorCode } from '@vox/shared';

/** A request the simulated telephony refuses; the API layer turns it into a 4xx JSON error. */
export class SimError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    readonly status: 400 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}
