import { expect, type APIRequestContext } from '@playwright/test';
import {
  auditListSchema,
  createCallResponseSchema,
  loginResponseSchema,
  recordingListSchema,
  type AuditRecord,
  type Recording,
} from '@vox/shared';

/** One step of a seeded call, after answer: wait, key digits, or pause and resume the recording. */
export type CallStep =
  { wait: number } | { digits: string; by: 'customer' | 'agent' } | { pause: number } | { label: string };

/**
 * Seeds recorded calls through the REST API as the routing strategy and the parties would, as the
 * admin, and reads back what the supervisor view should show.
 */
export class SupervisorSeed {
  private constructor(
    private readonly request: APIRequestContext,
    readonly token: string,
  ) {}

  static async asAdmin(request: APIRequestContext): Promise<SupervisorSeed> {
    return new SupervisorSeed(request, await SupervisorSeed.tokenOf(request, 'admin'));
  }

  static async tokenOf(request: APIRequestContext, username: string): Promise<string> {
    const response = await request.post('/api/v2/auth/login', {
      data: { username, password: `${username}-demo` },
    });
    expect(response.status(), `login of ${username}`).toBe(200);
    return loginResponseSchema.parse(await response.json()).token;
  }

  private get headers() {
    return { Authorization: `Bearer ${this.token}` };
  }

  private async post(path: string, data: unknown, status = 200): Promise<unknown> {
    const response = await this.request.post(path, { data, headers: this.headers });
    expect(response.status(), `${path}: ${await response.text()}`).toBe(status);
    return response.json();
  }

  /** Routes a recorded call from `ani` to the agent on `dn`, answers it, runs the steps, releases it. */
  async routeAndAnswer(ani: string, dnis: string, dn: string): Promise<string> {
    const call = createCallResponseSchema.parse(
      await this.post('/api/v2/sim/calls', { ani, dnis, targetDn: dn, record: 'destination' }, 201),
    );
    await this.post(`/api/v2/sim/calls/${call.connId}/answer`, { dn });
    return call.connId;
  }

  async runSteps(connId: string, ani: string, dn: string, steps: CallStep[]): Promise<void> {
    for (const step of steps) {
      if ('wait' in step) await new Promise((resolve) => setTimeout(resolve, step.wait));
      else if ('digits' in step) {
        await this.post(`/api/v2/sim/calls/${connId}/digits`, {
          dn: step.by === 'customer' ? ani : dn,
          digits: step.digits,
        });
      } else if ('pause' in step) {
        await this.post('/api/v2/sim/private-service', { privateMsgId: 3015, thisDn: dn, connId });
        await new Promise((resolve) => setTimeout(resolve, step.pause));
        await this.post('/api/v2/sim/private-service', { privateMsgId: 3016, thisDn: dn, connId });
      }
    }
  }

  async release(connId: string, dn: string): Promise<void> {
    await this.post(`/api/v2/sim/calls/${connId}/release`, { dn });
  }

  /** A whole recorded call, stored (and analysed, with every label of the steps set) before it returns. */
  async recordedCall(ani: string, dnis: string, dn: string, steps: CallStep[]): Promise<Recording> {
    const connId = await this.routeAndAnswer(ani, dnis, dn);
    await this.runSteps(connId, ani, dn, steps);
    await this.release(connId, dn);
    const recording = await this.storedRecording(connId, (r) => r.analytics !== undefined);
    const labels = steps.flatMap((s) => ('label' in s ? [s.label] : []));
    if (labels.length === 0) return recording;
    const response = await this.request.put(`/api/v2/recordings/${recording.id}/labels`, {
      data: { labels },
      headers: this.headers,
    });
    expect(response.status()).toBe(200);
    return this.storedRecording(connId, () => true);
  }

  /** The call's recording once it is stored and `ready` says it is complete. */
  async storedRecording(connId: string, ready: (recording: Recording) => boolean): Promise<Recording> {
    let found: Recording | undefined;
    await expect
      .poll(
        async () => {
          const response = await this.request.get(`/api/v2/recordings?connId=${connId}`, { headers: this.headers });
          found = recordingListSchema.parse(await response.json()).recordings[0];
          return found !== undefined && found.mediaFiles.length > 0 && ready(found);
        },
        { timeout: 30_000, message: `recording of call ${connId}` },
      )
      .toBe(true);
    return found!;
  }

  async audit(query: string): Promise<AuditRecord[]> {
    const response = await this.request.get(`/api/v2/admin/audit?${query}`, { headers: this.headers });
    expect(response.status()).toBe(200);
    return auditListSchema.parse(await response.json()).records;
  }
}
