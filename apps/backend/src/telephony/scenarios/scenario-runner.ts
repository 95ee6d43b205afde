import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  errorMessage,
  privateMsgIds,
  type AuditAction,
  type Scenario,
  type ScenarioRun,
  type ScenarioStep,
  type User,
} from '@vox/shared';
import type { AuditLog } from '../../recording/audit/audit-log.ts';
import type { MediaControlPlatform } from '../mcp/media-control-platform.ts';
import type { ResourceManager } from '../resource-manager/resource-manager.ts';
import type { DnDirectory } from '../sip-server/dn-directory.ts';
import { performCallAction } from '../sip-server/call-actions.ts';
import { SimError } from '../sip-server/sim-error.ts';
import type { SipServer } from '../sip-server/sip-server.ts';
import { eventError, TLibraryError, type TLibraryRequests } from '../sip-server/t-library-requests.ts';

interface ScenarioParts {
  sipServer: SipServer;
  directory: DnDirectory;
  tLibrary: TLibraryRequests;
  resourceManager: ResourceManager;
  mcps: MediaControlPlatform[];
  /** a scenario's DN configuration, MCP failures and recording controls are audited as the API's are */
  audit: AuditLog;
}

const recordMsgIds = {
  'record-start': privateMsgIds.GSIP_RECORD_START,
  'record-stop': privateMsgIds.GSIP_RECORD_STOP,
  'record-pause': privateMsgIds.GSIP_RECORD_PAUSE,
  'record-resume': privateMsgIds.GSIP_RECORD_RESUME,
} as const;

/** Runs kept for `GET /sim/scenarios/{id}`, oldest dropped first. */
const runsKept = 200;

/**
 * Runs scripted calls step by step, with their delays, through the same SIP Server and T-Library
 * requests the REST API uses, acting as the user who posted the scenario. Each step's outcome is
 * recorded; a step refused unexpectedly (or accepted when `expectError` said it would be refused)
 * fails the run, and the rest of it is skipped.
 */
export class ScenarioRunner {
  private readonly runs = new Map<string, ScenarioRun>();
  /** run id -> the user who started it: only they (and admins) may read it */
  private readonly owners = new Map<string, string>();
  private readonly running = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();

  constructor(private readonly parts: ScenarioParts) {}

  /** `speed` divides every delay: 2 runs the scenario twice as fast. */
  start(user: User, scenario: Scenario, speed = 1): ScenarioRun {
    const run: ScenarioRun = {
      id: randomUUID(),
      name: scenario.name,
      state: 'running',
      stepsDone: 0,
      stepsTotal: scenario.steps.length,
      startedAt: new Date().toISOString(),
      calls: {},
      results: [],
    };
    this.runs.set(run.id, run);
    this.owners.set(run.id, user.id);
    if (this.runs.size > runsKept) {
      const oldest = [...this.runs.values()].find((r) => r.state !== 'running');
      if (oldest) {
        this.runs.delete(oldest.id);
        this.owners.delete(oldest.id);
      }
    }
    const job = this.execute(user, scenario, run, speed).finally(() => this.running.delete(job));
    this.running.add(job);
    return run;
  }

  get(id: string): ScenarioRun | undefined {
    return this.runs.get(id);
  }

  ownerOf(id: string): string | undefined {
    return this.owners.get(id);
  }

  /** How many of the user's runs are still going. */
  runningOf(userId: string): number {
    return [...this.runs.values()].filter((r) => r.state === 'running' && this.owners.get(r.id) === userId).length;
  }

  /** Resolves when the run has finished (passed or failed), or after `limitMs` with the run as it is. */
  async finished(id: string, limitMs = Infinity): Promise<ScenarioRun | undefined> {
    const until = Date.now() + limitMs;
    while (this.runs.get(id)?.state === 'running' && Date.now() < until) {
      await Promise.race([...this.running, sleep(Math.min(50, Math.max(0, until - Date.now())))]);
    }
    return this.runs.get(id);
  }

  /** Stops every run in progress where it is waiting (shutdown). */
  async stop(): Promise<void> {
    this.shutdown.abort(new Error('the backend is shutting down'));
    await Promise.allSettled([...this.running]);
  }

  private async execute(user: User, scenario: Scenario, run: ScenarioRun, speed: number): Promise<void> {
    try {
      const adminOnly = scenario.steps.some((s) => s.action === 'fail-mcp' || s.action === 'recover-mcps');
      if ((scenario.dns || adminOnly) && user.role !== 'admin') {
        throw new Error('only an admin may run a scenario that configures DNs or fails MCPs');
      }
      for (const [dn, config] of Object.entries(scenario.dns ?? {})) {
        await this.parts.directory.configure(dn, config);
        await this.audited(user, run, 'dn-config', dn, config);
      }
      for (const [index, step] of scenario.steps.entries()) {
        if (step.delayMs > 0) await sleep(step.delayMs / speed, undefined, { signal: this.shutdown.signal });
        this.shutdown.signal.throwIfAborted();
        const outcome = await this.step(user, step, run);
        const refused = outcome.outcome !== 'ok';
        run.results.push({ index, action: step.action, at: new Date().toISOString(), ...outcome });
        run.stepsDone = index + 1;
        if (refused !== Boolean(step.expectError)) {
          run.failure = step.expectError
            ? `step ${index + 1} (${step.action}) was expected to be refused but succeeded`
            : `step ${index + 1} (${step.action}) was refused: ${outcome.detail}`;
          break;
        }
      }
      run.state = run.failure ? 'failed' : 'passed';
    } catch (error) {
      run.state = 'failed';
      const reason: unknown = this.shutdown.signal.aborted ? this.shutdown.signal.reason : error;
      run.failure = errorMessage(reason);
    }
    run.finishedAt = new Date().toISOString();
  }

  private async step(
    user: User,
    step: ScenarioStep,
    run: ScenarioRun,
  ): Promise<{ outcome: 'ok' | 'refused' | 'failed'; detail: string; connId?: string }> {
    const { sipServer, tLibrary } = this.parts;
    let connId: string | undefined;
    try {
      const recordId = 'recordId' in step ? step.recordId?.replaceAll('{run}', run.id.slice(0, 8)) : undefined;
      if (step.action === 'route') {
        const created = await sipServer.routeCall({ ...step, ...(recordId ? { recordId } : {}) });
        run.calls[
          step.as ?? (Object.keys(run.calls).length === 0 ? 'main' : `call${Object.keys(run.calls).length + 1}`)
        ] = created;
        return { outcome: 'ok', detail: `routed to ${step.targetDn}`, connId: created.connId };
      }
      if (step.action === 'recover-mcps') {
        for (const mcp of this.parts.mcps) {
          mcp.recover();
          this.parts.resourceManager.markHealthy(mcp.name);
          await this.audited(user, run, 'mcp-recover', mcp.name, {});
        }
        return { outcome: 'ok', detail: 'every MCP answers again' };
      }
      if (step.action === 'register') {
        return { outcome: 'ok', detail: `registered: ${tLibrary.register(user, step.dn).join(', ')}` };
      }
      connId = this.connIdOf(step.call, run);
      switch (step.action) {
        case 'answer':
        case 'release':
        case 'transfer':
        case 'conference':
        case 'initiate-transfer':
        case 'initiate-conference':
        case 'complete-transfer':
        case 'complete-conference': {
          const call = await performCallAction(sipServer, connId, step.action, step);
          // An initiate- action answers the new consultation call, which later steps name.
          if (step.action === 'initiate-transfer' || step.action === 'initiate-conference') {
            run.calls[step.as ?? 'consult'] = { connId: call.connId, callUuid: call.callUuid };
          }
          return this.callOutcome(call);
        }
        case 'fail-mcp': {
          const name = sipServer.snapshot(connId).recording.mcp;
          const mcp = this.parts.mcps.find((m) => m.name === name);
          if (!mcp) throw new SimError('invalid_call_state', `call ${connId} is not being recorded on an MCP`);
          mcp.fail();
          this.parts.resourceManager.checkHealth();
          await this.audited(user, run, 'mcp-fail', mcp.name, { connId });
          return {
            outcome: 'ok',
            detail: `MCP ${mcp.name} failed; recording now on ${sipServer.snapshot(connId).recording.mcp ?? 'no MCP'}`,
            connId,
          };
        }
        case 'digits':
          return this.callOutcome(sipServer.sendDigits(connId, step.dn, step.digits));
        case 'ivr-record': {
          const ack = tLibrary.ivrRecord(connId, { dn: step.dn, action: step.command });
          return { outcome: 'ok', detail: `EventACK${ack.recordingId ? ` (${ack.recordingId})` : ''}`, connId };
        }
        case 'record-start':
        case 'record-stop':
        case 'record-pause':
        case 'record-resume': {
          const ack = await tLibrary.privateService(user, {
            privateMsgId: recordMsgIds[step.action],
            thisDn: step.dn,
            connId,
            ...(step.record || recordId
              ? {
                  extensions: {
                    ...(step.record ? { record: step.record } : {}),
                    ...(recordId ? { id: recordId } : {}),
                  },
                }
              : {}),
          });
          await this.audited(user, run, 'private-service', ack.recordingId ?? connId, {
            privateMsgId: recordMsgIds[step.action],
            thisDn: step.dn,
            connId,
          });
          return { outcome: 'ok', detail: `EventACK${ack.recordingId ? ` (${ack.recordingId})` : ''}`, connId };
        }
      }
    } catch (error) {
      if (error instanceof TLibraryError) {
        const { body } = eventError(error);
        return {
          outcome: 'refused',
          detail: `EventError ${body.errorCode} ${body.errorName}: ${body.errorMessage}`,
          ...(connId ? { connId } : {}),
        };
      }
      if (error instanceof SimError) {
        return { outcome: 'refused', detail: `${error.code}: ${error.message}`, ...(connId ? { connId } : {}) };
      }
      return { outcome: 'failed', detail: errorMessage(error) };
    }
  }

  private async audited(
    user: User,
    run: ScenarioRun,
    action: AuditAction,
    target: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.parts.audit.append({ actor: user.id, action, target, source: `scenario run ${run.id}`, details });
  }

  private connIdOf(name: string | undefined, run: ScenarioRun): string {
    const calls = Object.values(run.calls);
    const call = name ? run.calls[name] : calls[0];
    if (!call) {
      throw new SimError('bad_request', name ? `the scenario has no call named ${name}` : 'no call routed yet');
    }
    return call.connId;
  }

  private callOutcome(call: {
    connId: string;
    state: string;
    recording: { state: string; note?: string | undefined };
  }) {
    return {
      outcome: 'ok' as const,
      detail: `call ${call.state}, recording ${call.recording.state}${call.recording.note ? `: ${call.recording.note}` : ''}`,
      connId: call.connId,
    };
  }
}
