import { Refusal } from '../../platform/refusal.ts';

/**
 * A request the simulated telephony refuses. Apart from other refusals because a T-Library request
 * answers it as EventError rather than `{error}`.
 */
export class SimError extends Refusal {}
