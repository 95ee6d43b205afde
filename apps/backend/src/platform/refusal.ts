import type { ApiErrorCode } from '@vox/shared';

/**
 * A request refused for a reason its caller may read, named by the error code; the API answers it
 * with that code's status (api/api-errors.ts). Anything else thrown is a bug, answered as a 500.
 */
export class Refusal extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}
