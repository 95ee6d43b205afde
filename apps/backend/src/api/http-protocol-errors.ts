import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiErrorCode } from '@vox/shared';
import { Refusal } from '../platform/refusal.ts';
import { errorBody, httpStatusOfCode, replyWithError } from './api-errors.ts';
import { apiSecurityHeaders } from './security-headers.ts';

/**
 * Requests refused before any route sees them (by Node's HTTP parser, Fastify's router, or
 * because they ask for a CONNECT tunnel, a protocol upgrade or an expectation) get the same
 * `{error: {code, message}}` answer as any other error, where Node's and Fastify's defaults answer
 * with another shape, an empty body, or by closing the connection.
 */

/** The longest path segment the router takes; ids are far shorter, so longer ones are 414s. */
export const maxPathSegmentLength = 1024;

/** Where socket.io listens: its upgrades and requests are its own (engine.io answers them). */
const socketIoPrefix = '/socket.io/';

/** A complete answer written straight to a socket that no `ServerResponse` owns. */
function rawAnswer(code: ApiErrorCode, message: string): string {
  const status = httpStatusOfCode[code];
  const body = JSON.stringify(errorBody(code, message));
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...apiSecurityHeaders,
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** What Node's parser refused, as the contract's status, code and message. */
function parserRefusal(error: NodeJS.ErrnoException): [ApiErrorCode, string] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return ['headers_too_large', `the request line and headers exceed ${http.maxHeaderSize} bytes`];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return ['payload_too_large', 'the chunk extensions are too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ['request_timeout', 'the request did not arrive in time'];
    default:
      return ['bad_request', `the request is not valid HTTP/1.1 (${error.code ?? 'unreadable'})`];
  }
}

/**
 * Fastify's `clientErrorHandler`: Node's parser refused the request. The answer is written
 * straight to the socket, which then closes: the parser cannot read on past bytes it refused.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // As Node itself does: never write into an answer already under way on this connection.
  const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(rawAnswer(...parserRefusal(error)));
  socket.destroy();
}

/** Fastify's `frameworkErrors`: the router met a malformed percent-escape or an overlong segment. */
export function answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void replyWithError(reply, 'uri_too_long', `a path segment is longer than ${maxPathSegmentLength} characters`);
  } else if (error.code === 'FST_ERR_BAD_URL') {
    void replyWithError(reply, 'bad_request', 'the URL has a malformed percent-escape');
  } else {
    request.log.error({ err: error }, 'request failed');
    void replyWithError(reply, 'internal', 'the server failed to handle this request; see its log');
  }
}

/**
 * The answers Node gives on its own, in the contract's shape: a CONNECT (closed unanswered by
 * default), an upgrade to anything but socket.io (engine.io closes it unanswered after a second),
 * an `Expect` other than `100-continue` (an empty 417), and an HTTP/1.1 request without `Host`
 * (an empty 400, unless the server leaves it to this hook: `requireHostHeader: false`).
 */
export function answerUnroutableRequests(app: FastifyInstance): void {
  const server = app.server;
  server.on('connect', (_request: http.IncomingMessage, socket: Duplex) => {
    socket.on('error', () => undefined);
    socket.end(rawAnswer('method_not_allowed', 'this server is not a proxy: CONNECT is not taken'), () =>
      socket.destroy(),
    );
  });
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex) => {
    if (request.url?.startsWith(socketIoPrefix)) return;
    socket.on('error', () => undefined);
    socket.end(
      rawAnswer('bad_request', `only ${socketIoPrefix} upgrades a connection: send this request without Upgrade`),
      () => socket.destroy(),
    );
  });
  server.on('checkExpectation', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const body = JSON.stringify(
      errorBody('expectation_failed', `the expectation ${JSON.stringify(request.headers.expect)} is not supported`),
    );
    response
      .writeHead(httpStatusOfCode.expectation_failed, {
        ...apiSecurityHeaders,
        'Content-Type': 'application/json; charset=utf-8',
      })
      .end(body);
  });
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new Refusal('bad_request', 'an HTTP/1.1 request needs a Host header');
    }
  });
}
