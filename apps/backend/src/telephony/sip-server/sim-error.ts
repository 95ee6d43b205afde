import type { ApiErrorCode } from '@vox/shared';

/**
 * A request the simulated telephony refuses, named by its code; the API layer answers it as a 4xx
 * JSON error with the code's status (api-errors.ts).
 */
export class SimError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}
