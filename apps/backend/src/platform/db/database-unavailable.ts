/**
 * SQLSTATEs of a server that is going away or not there yet: admin_shutdown (a restart), crash
 * shutdown, cannot_connect_now (starting up, crash recovery), and the connection_exception class.
 */
const unavailableStates = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** A socket that cannot reach the server, or lost it. */
const unreachableErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** What node-postgres says when a connection ends under a query, or the pool gives up connecting. */
const lostConnectionMessages = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
];

/**
 * Whether `error` says the metadata database cannot be reached right now (restarting, down, or
 * unreachable), as opposed to a query that is wrong: the former is a 503 worth retrying, the
 * latter a bug. Causes and aggregated errors (a host with several addresses) are looked through.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (unavailableStates.has(code) || unreachableErrnos.has(code))) return true;
  if (lostConnectionMessages.some((pattern) => pattern.test(error.message))) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) {
    return true;
  }
  return isDatabaseUnavailable(error.cause, depth + 1);
}
