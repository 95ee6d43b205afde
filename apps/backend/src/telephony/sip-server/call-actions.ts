import type { CallAction, CallActionRequest, CallSnapshot } from '@vox/shared';
import { SimError } from './sim-error.ts';
import type { SipServer } from './sip-server.ts';

function requireToDn(request: CallActionRequest): string {
  if (!request.toDn) throw new SimError('bad_request', 'invalid body: toDn: required for this action');
  return request.toDn;
}

/**
 * Carries out one call action for the party on `request.dn`: the one dispatch behind the REST
 * routes (`POST /sim/calls/{connId}/<action>`) and the scenario steps of the same names. It answers
 * the call as it is afterwards; for the two `initiate-` actions, the new consultation call.
 */
export async function performCallAction(
  sipServer: SipServer,
  connId: string,
  action: CallAction,
  request: CallActionRequest,
): Promise<CallSnapshot> {
  switch (action) {
    case 'answer':
      return sipServer.answer(connId, request.dn);
    case 'release':
      return sipServer.release(connId, request.dn);
    case 'transfer':
      return sipServer.transfer(connId, request.dn, requireToDn(request));
    case 'conference':
      return sipServer.conference(connId, request.dn, requireToDn(request));
    case 'initiate-transfer':
      return sipServer.initiateConsultation(connId, request.dn, requireToDn(request), 'transfer');
    case 'initiate-conference':
      return sipServer.initiateConsultation(connId, request.dn, requireToDn(request), 'conference');
    case 'complete-transfer':
      return sipServer.completeConsultation(connId, request.dn, 'transfer');
    case 'complete-conference':
      return sipServer.completeConsultation(connId, request.dn, 'conference');
  }
}
