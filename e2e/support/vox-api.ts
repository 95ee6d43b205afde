import { expect, type APIRequestContext } from '@playwright/test';
import {
  auditListSchema,
  callSnapshotSchema,
  createCallResponseSchema,
  loginResponseSchema,
  recordingSchema,
  type AuditRecord,
  type CallSnapshot,
  type Recording,
} from '@vox/shared';

/** The backend's REST API as a test drives it: every answer parsed with the shared schema. */
export class VoxApi {
  private constructor(
    private readonly request: APIRequestContext,
    readonly token: string,
  ) {}

  static async login(request: APIRequestContext, username: string, password: string): Promise<VoxApi> {
    const response = await request.post('/api/v2/auth/login', { data: { username, password } });
    if (!response.ok()) throw new Error(`login of ${username} failed: ${response.status()} ${await response.text()}`);
    return new VoxApi(request, loginResponseSchema.parse(await response.json()).token);
  }

  private get headers() {
    return { Authorization: `Bearer ${this.token}` };
  }

  async routeCall(body: { ani: string; dnis: string; targetDn: string; record?: 'source' | 'destination' }) {
    const response = await this.request.post('/api/v2/sim/calls', { data: body, headers: this.headers });
    if (response.status() !== 201) throw new Error(`route call: ${response.status()} ${await response.text()}`);
    return createCallResponseSchema.parse(await response.json());
  }

  /** The calls a DN is on now, as the agent desktop's catch-up sees them. */
  async callsOf(dn: string): Promise<CallSnapshot[]> {
    const response = await this.request.get(`/api/v2/sim/calls?dn=${encodeURIComponent(dn)}`, {
      headers: this.headers,
    });
    if (!response.ok()) throw new Error(`calls of ${dn}: ${response.status()} ${await response.text()}`);
    const { calls } = (await response.json()) as { calls: unknown[] };
    return calls.map((call) => callSnapshotSchema.parse(call));
  }

  async recording(id: string): Promise<Recording | undefined> {
    const response = await this.request.get(`/api/v2/recordings/${id}`, { headers: this.headers });
    if (response.status() === 404) return undefined;
    if (!response.ok()) throw new Error(`get recording: ${response.status()} ${await response.text()}`);
    return recordingSchema.parse(await response.json());
  }

  /** Waits until the recording has `count` muxed screen recordings (the mux runs after the call). */
  async recordingWithScreens(id: string, count: number, timeout = 45_000): Promise<Recording> {
    let recording: Recording | undefined;
    try {
      await expect
        .poll(
          async () => {
            recording = await this.recording(id);
            return recording?.screenRecordings.length ?? 0;
          },
          { timeout },
        )
        .toBe(count);
    } catch (error) {
      // What the recording had when the wait gave up: the voice files and the screens muxed.
      const seen = {
        voice: recording?.mediaFiles.map((m) => [m.mediaId, m.startTime, m.stopTime]),
        screens: recording?.screenRecordings,
      };
      throw new Error(`recording ${id} did not get ${count} screen recording(s): ${JSON.stringify(seen)}`, {
        cause: error,
      });
    }
    if (!recording) throw new Error(`recording ${id} disappeared`);
    return recording;
  }

  async media(recordingId: string, mediaId: string): Promise<Buffer> {
    const response = await this.request.get(`/api/v2/recordings/${recordingId}/media/${mediaId}`, {
      headers: this.headers,
    });
    if (!response.ok()) throw new Error(`get media: ${response.status()}`);
    return response.body();
  }

  /** A call action on behalf of the party on `dn` (answer, release, transfer...). */
  async callAction(connId: string, action: string, body: { dn: string; toDn?: string }): Promise<void> {
    const response = await this.request.post(`/api/v2/sim/calls/${connId}/${action}`, {
      data: body,
      headers: this.headers,
    });
    if (!response.ok()) throw new Error(`${action}: ${response.status()} ${await response.text()}`);
  }

  /** T-Library TPrivateService: 3013 start, 3014 stop, 3015 pause, 3016 resume. */
  async privateService(connId: string, thisDn: string, privateMsgId: number): Promise<void> {
    const response = await this.request.post('/api/v2/sim/private-service', {
      data: { connId, thisDn, privateMsgId },
      headers: this.headers,
    });
    if (!response.ok())
      throw new Error(`private service ${privateMsgId}: ${response.status()} ${await response.text()}`);
  }

  /** The party on `dn` keys `digits` (RFC 4733 in the call's media). */
  async sendDigits(connId: string, dn: string, digits: string): Promise<void> {
    const response = await this.request.post(`/api/v2/sim/calls/${connId}/digits`, {
      data: { dn, digits },
      headers: this.headers,
    });
    if (!response.ok()) throw new Error(`digits: ${response.status()} ${await response.text()}`);
  }

  /** The audit log, newest first, narrowed by `query` (`actor=`, `recordingId=`, `action=`, `limit=`). */
  async audit(query = ''): Promise<AuditRecord[]> {
    const response = await this.request.get(`/api/v2/admin/audit?${query}`, { headers: this.headers });
    if (!response.ok()) throw new Error(`audit: ${response.status()} ${await response.text()}`);
    return auditListSchema.parse(await response.json()).records;
  }
}
