import type { FastifyRequest } from 'fastify';
import type { User } from '@vox/shared';
import type { Requester } from '../recording/recordings/recording-lifecycle.ts';

/** Who made a request and from where, as the audit log records it. */
export function requesterOf(user: User, request: FastifyRequest): Requester {
  return { actor: user.id, source: `${request.ip} ${request.headers['user-agent'] ?? ''}`.trim() };
}
