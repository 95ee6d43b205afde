import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { callActionRequestSchema, connIdSchema, createCallRequestSchema, dnSchema, type User } from '@vox/shared';
import type { SipServer } from '../sip-server/sip-server.ts';
import { HttpError, parseWith } from './api-errors.ts';
import type { Authenticator } from './authentication.ts';

const connIdParams = z.object({ connId: connIdSchema });

/** An agent acts only for its own DN; supervisors and admins drive the simulation for any DN. */
function assertMayActFor(user: User, dn: string): void {
  if (user.role === 'agent' && user.dn !== dn) {
    throw new HttpError(403, 'forbidden', `agent ${user.username} may act only for DN ${user.dn ?? '(none)'}`);
  }
}

export function registerSimRoutes(app: FastifyInstance, auth: Authenticator, sipServer: SipServer): void {
  app.post('/api/v2/sim/calls', async (request, reply) => {
    await auth.require(request, { roles: ['admin', 'supervisor'] });
    const body = parseWith(createCallRequestSchema, request.body, 'body');
    const created = await sipServer.routeCall(body);
    return reply.status(201).send(created);
  });

  app.get('/api/v2/sim/calls', async (request) => {
    const user = await auth.require(request);
    const { dn } = parseWith(z.object({ dn: dnSchema }), request.query, 'query');
    assertMayActFor(user, dn);
    return { calls: sipServer.callsOf(dn) };
  });

  app.get('/api/v2/sim/calls/:connId', async (request) => {
    const user = await auth.require(request);
    const { connId } = parseWith(connIdParams, request.params, 'path');
    const call = sipServer.snapshot(connId);
    if (user.role === 'agent' && !call.parties.some((p) => p.dn === user.dn)) {
      throw new HttpError(404, 'not_found', `no active call with ConnectionID ${connId}`);
    }
    return call;
  });

  app.get('/api/v2/sim/calls/:connId/trace', async (request) => {
    await auth.require(request, { roles: ['admin', 'supervisor'] });
    const { connId } = parseWith(connIdParams, request.params, 'path');
    return { messages: sipServer.trace(connId) };
  });

  for (const action of ['answer', 'release'] as const) {
    app.post(`/api/v2/sim/calls/:connId/${action}`, async (request) => {
      const user = await auth.require(request);
      const { connId } = parseWith(connIdParams, request.params, 'path');
      const { dn } = parseWith(callActionRequestSchema, request.body, 'body');
      assertMayActFor(user, dn);
      if (action === 'answer') sipServer.answer(connId, dn);
      else sipServer.release(connId, dn);
      return sipServer.callsOf(dn).find((c) => c.connId === connId) ?? { connId, state: 'released' };
    });
  }
}
