import { apiRoutes } from '@vox/shared';
import type { CallLadderStore } from '../recording/recordings/call-ladder-store.ts';
import { Refusal } from '../platform/refusal.ts';
import type { ApiRouteServer } from './api-route-server.ts';

/** The ladder of a recording's call: whoever may see the recording may read how it was recorded. */
export function registerCallLadderRoutes(routes: ApiRouteServer, ladders: CallLadderStore): void {
  routes.serve(apiRoutes.getCallLadder, async ({ user, params: { id } }) => {
    const ladder = await ladders.ladderOf(id, user);
    if (!ladder) throw new Refusal('not_found', `no recording ${id}`);
    return ladder;
  });
}
