import { expect, type APIRequestContext } from '@playwright/test';
import type { AuditRecord, Recording } from '@vox/shared';
import { VoxApi } from './vox-api.ts';

/** One step of a seeded call, after answer: wait, key digits, or pause and resume the recording. */
export type CallStep =
  { wait: number } | { digits: string; by: 'customer' | 'agent' } | { pause: number } | { label: string };

/**
 * Seeds recorded calls through the REST API as the routing strategy and the parties would, as the
 * admin, and reads back what the supervisor view should show.
 */
export class SupervisorSeed {
  private constructor(private readonly api: VoxApi) {}

  static async asAdmin(request: APIRequestContext): Promise<SupervisorSeed> {
    return new SupervisorSeed(await VoxApi.login(request, 'admin', 'admin-demo'));
  }

  static async tokenOf(request: APIRequestContext, username: string): Promise<string> {
    return (await VoxApi.login(request, username, `${username}-demo`)).token;
  }

  get token(): string {
    return this.api.token;
  }

  /** Routes a recorded call from `ani` to the agent on `dn` and answers it. */
  async routeAndAnswer(ani: string, dnis: string, dn: string): Promise<string> {
    const call = await this.api.routeCall({ ani, dnis, targetDn: dn, record: 'destination' });
    await this.api.callAction(call.connId, 'answer', { dn });
    return call.connId;
  }

  async runSteps(connId: string, ani: string, dn: string, steps: CallStep[]): Promise<void> {
    for (const step of steps) {
      if ('wait' in step) await new Promise((resolve) => setTimeout(resolve, step.wait));
      else if ('digits' in step) await this.api.sendDigits(connId, step.by === 'customer' ? ani : dn, step.digits);
      else if ('pause' in step) {
        await this.api.privateService(connId, dn, 3015);
        await new Promise((resolve) => setTimeout(resolve, step.pause));
        await this.api.privateService(connId, dn, 3016);
      }
    }
  }

  release(connId: string, dn: string): Promise<void> {
    return this.api.callAction(connId, 'release', { dn });
  }

  /** A whole recorded call, stored (and analysed, with every label of the steps set) before it returns. */
  async recordedCall(ani: string, dnis: string, dn: string, steps: CallStep[]): Promise<Recording> {
    const connId = await this.routeAndAnswer(ani, dnis, dn);
    await this.runSteps(connId, ani, dn, steps);
    await this.release(connId, dn);
    const recording = await this.storedRecording(connId, (r) => r.analytics !== undefined);
    const labels = steps.flatMap((s) => ('label' in s ? [s.label] : []));
    if (labels.length === 0) return recording;
    await this.api.setLabels(recording.id, labels);
    return this.storedRecording(connId, () => true);
  }

  /** The call's recording once it is stored and `ready` says it is complete. */
  async storedRecording(
    connId: string,
    ready: (recording: Recording) => boolean,
    timeout = 30_000,
  ): Promise<Recording> {
    let found: Recording | undefined;
    await expect
      .poll(
        async () => {
          found = (await this.api.recordingsOfCall(connId))[0];
          return found !== undefined && found.mediaFiles.length > 0 && ready(found);
        },
        { timeout, message: `recording of call ${connId}` },
      )
      .toBe(true);
    return found!;
  }

  audit(query: Parameters<VoxApi['audit']>[0]): Promise<AuditRecord[]> {
    return this.api.audit(query);
  }
}
