import type { FastifyReply } from 'fastify';
import {
  apiRoutes,
  callActionRouteName,
  callActionSchema,
  type CallSnapshot,
  type Scenario,
  type User,
} from '@vox/shared';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import type { ResourceManager } from '../telephony/resource-manager/resource-manager.ts';
import type { ScenarioRunner } from '../telephony/scenarios/scenario-runner.ts';
import type { MediaControlPlatform } from '../telephony/mcp/media-control-platform.ts';
import { toDnConfig, type DnDirectory } from '../telephony/sip-server/dn-directory.ts';
import { performCallAction } from '../telephony/sip-server/call-actions.ts';
import { SimError } from '../telephony/sip-server/sim-error.ts';
import type { SipServer } from '../telephony/sip-server/sip-server.ts';
import { eventError, TLibraryError, type TLibraryRequests } from '../telephony/sip-server/t-library-requests.ts';
import { Refusal } from '../platform/refusal.ts';
import type { ApiRouteServer } from './api-route-server.ts';
import { DnScope } from './dn-scope.ts';
import { requesterOf } from './requester.ts';
import type { SiprecServer } from '../telephony/siprec/siprec-server.ts';

export interface SimulationParts {
  sipServer: SipServer;
  /** the SIPREC recording server, when it runs: its sessions are calls of their agents' DNs */
  siprec: SiprecServer | undefined;
  directory: DnDirectory;
  tLibrary: TLibraryRequests;
  resourceManager: ResourceManager;
  mcps: MediaControlPlatform[];
  scenarios: ScenarioRunner;
  /** DN configuration changes are audited */
  audit: AuditLog;
  /** how long `POST /sim/scenarios?wait=1` waits for the result before answering 202 */
  scenarioWaitMs: number;
}

/** What one user's scenarios may cost the backend. */
const scenarioLimits = { runningPerUser: 3, totalDelayMs: 30 * 60_000 };

/** The DNs a scenario step acts for or on. */
function dnsOfStep(step: Scenario['steps'][number]): string[] {
  return [
    ...('targetDn' in step ? [step.targetDn] : []),
    ...('dn' in step ? [step.dn] : []),
    ...('toDn' in step ? [step.toDn] : []),
  ];
}

/** T-Library requests answer EventACK, or EventError with the code's status, never `{error}`. */
async function answerTLibrary(reply: FastifyReply, run: () => unknown) {
  try {
    return await reply.send(await run());
  } catch (error) {
    if (error instanceof TLibraryError) {
      const { status, body } = eventError(error);
      return reply.status(status).send(body);
    }
    if (error instanceof SimError) {
      const { status, body } = eventError(new TLibraryError('recordingUnavailable', error.message));
      return reply.status(status).send(body);
    }
    throw error;
  }
}

export function registerSimRoutes(routes: ApiRouteServer, parts: SimulationParts): void {
  const { sipServer, siprec, directory, tLibrary, resourceManager, mcps, scenarios, audit } = parts;
  const scope = new DnScope(directory);
  /** A call the user may not watch is, for that user, a call that does not exist. */
  const watchedCall = async (user: User, connId: string): Promise<CallSnapshot> => {
    const call = siprec?.snapshotOf(connId) ?? sipServer.snapshot(connId);
    if (!(await scope.mayWatch(user, call.parties))) {
      throw new Refusal('not_found', `no active call with ConnectionID ${connId}`);
    }
    return call;
  };

  routes.serve(apiRoutes.listDns, async () => ({ dns: (await directory.list()).map(toDnConfig) }));

  routes.serve(apiRoutes.configureDn, async ({ request, user: admin, params: { dn }, body }) => {
    const configured = toDnConfig(await directory.configure(dn, body));
    await audit.append({ ...requesterOf(admin, request), action: 'dn-config', target: dn, details: body });
    return configured;
  });

  routes.serve(apiRoutes.createCall, async ({ user, body }) => {
    await scope.assertMayActFor(user, body.targetDn);
    return sipServer.routeCall(body);
  });

  routes.serve(apiRoutes.listCalls, async ({ user, query: { dn } }) => {
    await scope.assertMayActFor(user, dn);
    // A real call recorded through SIPREC is one of the DN's calls too (the desktop's catch-up).
    return { calls: [...sipServer.callsOf(dn), ...(siprec?.callsOf(dn) ?? [])] };
  });

  routes.serve(apiRoutes.getCall, ({ user, params: { connId } }) => watchedCall(user, connId));

  routes.serve(apiRoutes.getCallTrace, async ({ user, params: { connId } }) => {
    // The trace outlives the call: who may read it is decided by who took part.
    const parties = sipServer.partiesOf(connId).map((dn) => ({ dn }));
    if (!(await scope.mayWatch(user, parties))) {
      throw new Refusal('not_found', `no call with ConnectionID ${connId}`);
    }
    return { messages: sipServer.trace(connId) };
  });

  for (const action of callActionSchema.options) {
    routes.serve(apiRoutes[callActionRouteName(action)], async ({ user, params: { connId }, body }) => {
      await scope.assertMayActFor(user, body.dn);
      // An agent may transfer to anyone; a supervisor may not bring another group's agent into a call.
      if (body.toDn && user.role === 'supervisor') await scope.assertMayActFor(user, body.toDn);
      return performCallAction(sipServer, connId, action, body);
    });
  }

  routes.serve(apiRoutes.sendDigits, async ({ user, params: { connId }, body }) => {
    await scope.assertMayActFor(user, body.dn);
    return sipServer.sendDigits(connId, body.dn, body.digits);
  });

  routes.serve(apiRoutes.ivrRecord, async ({ reply, user, params: { connId }, body }) => {
    await watchedCall(user, connId);
    return answerTLibrary(reply, () => tLibrary.ivrRecord(connId, body));
  });

  routes.serve(apiRoutes.registerAddress, async ({ user, body: { dn } }) => {
    await scope.assertMayActFor(user, dn);
    return { dns: tLibrary.register(user, dn), allDns: user.role === 'admin' };
  });

  routes.serve(apiRoutes.registeredAddresses, ({ user }) => ({
    dns: tLibrary.registeredDns(user),
    allDns: user.role === 'admin',
  }));

  routes.serve(apiRoutes.privateService, async ({ request, reply, user, body }) => {
    return answerTLibrary(reply, async () => {
      const ack = await tLibrary.privateService(user, body);
      // Who started, stopped, paused or resumed a recording, for which DN, call and reason.
      await audit.append({
        ...requesterOf(user, request),
        action: 'private-service',
        target: ack.recordingId ?? body.connId,
        details: {
          privateMsgId: body.privateMsgId,
          thisDn: body.thisDn,
          connId: body.connId,
          ...(body.reasons ? { reasons: body.reasons } : {}),
        },
      });
      return ack;
    });
  });

  routes.serve(apiRoutes.startScenario, async ({ reply, user, query: { wait, speed }, body: scenario }) => {
    const adminOnly =
      scenario.dns || scenario.steps.some((s) => s.action === 'fail-mcp' || s.action === 'recover-mcps');
    if (adminOnly && user.role !== 'admin') {
      throw new Refusal('forbidden', 'only an admin may run a scenario that configures DNs or fails MCPs');
    }
    // A scenario acts as its poster: every DN it names must be one the poster may act for.
    for (const dn of new Set(scenario.steps.flatMap(dnsOfStep))) await scope.assertMayActFor(user, dn);
    const totalDelayMs = scenario.steps.reduce((sum, step) => sum + step.delayMs, 0) / speed;
    if (totalDelayMs > scenarioLimits.totalDelayMs) {
      throw new Refusal(
        'bad_request',
        `the scenario waits ${Math.round(totalDelayMs / 1000)} s in all; at most ${scenarioLimits.totalDelayMs / 1000} s`,
      );
    }
    // Admins run test batteries (many scenarios at once); a supervisor's runs are few at a time.
    if (user.role !== 'admin' && scenarios.runningOf(user.id) >= scenarioLimits.runningPerUser) {
      throw new Refusal('conflict', `${user.username} has ${scenarioLimits.runningPerUser} scenario runs going`);
    }
    const run = scenarios.start(user, scenario, speed);
    const location = `/api/v2/sim/scenarios/${run.id}`;
    if (wait === '1') {
      // Waits for the result, but not for ever: a run still going is answered as without ?wait=1.
      const finished = await scenarios.finished(run.id, parts.scenarioWaitMs);
      if (finished && finished.state !== 'running') return reply.status(200).send(finished);
    }
    return reply
      .status(202)
      .header('Location', location)
      .send(scenarios.get(run.id) ?? run);
  });

  routes.serve(apiRoutes.getScenarioRun, ({ user, params: { id } }) => {
    const run = scenarios.get(id);
    if (!run || (user.role !== 'admin' && scenarios.ownerOf(id) !== user.id)) {
      throw new Refusal('not_found', `no scenario run ${id}`);
    }
    return run;
  });

  routes.serve(apiRoutes.listMcps, () => ({ mcps: resourceManager.status() }));

  for (const action of ['fail', 'recover'] as const) {
    const route = action === 'fail' ? apiRoutes.failMcp : apiRoutes.recoverMcp;
    routes.serve(route, async ({ request, user: admin, params: { name } }) => {
      const mcp = mcps.find((m) => m.name === name);
      if (!mcp) throw new Refusal('not_found', `no MCP ${name}; the pool has ${mcps.map((m) => m.name).join(', ')}`);
      if (action === 'fail') {
        mcp.fail();
        // The RM notices at its next health check; run it now so the move is immediate and traced.
        resourceManager.checkHealth();
      } else {
        mcp.recover();
        resourceManager.markHealthy(name);
      }
      // Failing an MCP moves or cuts the recordings it carries: who did it must be on record.
      await audit.append({ ...requesterOf(admin, request), action: `mcp-${action}`, target: name, details: {} });
      return { mcps: resourceManager.status() };
    });
  }
}
