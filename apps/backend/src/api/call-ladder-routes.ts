import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CallLadderStore } from '../recording/recordings/call-ladder-store.ts';
import { HttpError, parseWith } from './api-errors.ts';
import type { Authenticator } from './authentication.ts';

const idParams = z.object({ id: z.string().min(1).max(128) });

/** The ladder of a recording's call: whoever may see the recording may read how it was recorded. */
export function registerCallLadderRoutes(app: FastifyInstance, auth: Authenticator, ladders: CallLadderStore): void {
  app.get('/api/v2/recordings/:id/ladder', async (request) => {
    const user = await auth.require(request);
    const { id } = parseWith(idParams, request.params, 'path');
    const ladder = await ladders.ladderOf(id, user);
    if (!ladder) throw new HttpError(404, 'not_found', `no recording ${id}`);
    return ladder;
  });
}
