import type { FastifyRequest } from 'fastify';
import type { VoxConfig } from '../config.ts';

/** Query parameters that carry a credential: a media ticket, or a token a client put there anyway. */
const credentialParameters = new Set(['access_token', 'token', 'ticket']);

function parameterName(part: string): string {
  const raw = part.split('=', 1)[0]!.replaceAll('+', ' ');
  try {
    return decodeURIComponent(raw).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** The URL as the log shows it: the value of any credential in its query is replaced. */
export function redactedUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((part) => (credentialParameters.has(parameterName(part)) ? `${part.split('=', 1)[0]}=[redacted]` : part));
  return `${url.slice(0, queryStart)}?${query.join('&')}`;
}

/**
 * Fastify's logger options: its request serializer, with the URL redacted (log files are read by
 * more people, and kept longer, than the recordings' access rules assume).
 */
export function requestLogging(level: VoxConfig['logLevel'], stream?: { write(line: string): void }) {
  return {
    level,
    ...(stream ? { stream } : {}),
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactedUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
}
