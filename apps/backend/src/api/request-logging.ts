import type { FastifyRequest } from 'fastify';
import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { VoxConfig } from '../platform/config.ts';

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

export interface LogLineSink {
  write(line: string): void;
}

/**
 * Log lines as a person reads them in a terminal: time, level, message, then the fields. Pino
 * still produces JSON; each line is turned into text here, in order, before it is written.
 */
export function readableLines(destination: LogLineSink, colours: boolean): LogLineSink {
  const pretty = prettyFactory({ colorize: colours, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return { write: (line) => destination.write(pretty(line)) };
}

/**
 * The backend's logger: Fastify logs requests through it, and each component through a child of
 * it naming the component. Requests are logged with their URL redacted (log files are read by
 * more people, and kept longer, than the recordings' access rules assume). Lines go to `stream`,
 * or standard output; they are readable text when that is a terminal and JSON otherwise (a file,
 * a pipe, a log collector).
 */
export function backendLogger(
  level: VoxConfig['logLevel'],
  stream?: LogLineSink,
  terminal = stream === undefined && process.stdout.isTTY === true,
): Logger {
  const destination = stream ?? process.stdout;
  const options = {
    level,
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
  return pino(options, terminal ? readableLines(destination, destination === process.stdout) : stream);
}
