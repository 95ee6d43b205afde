import { expect, type APIRequestContext } from '@playwright/test';
import {
  ApiCallError,
  ApiClient,
  callActionRouteName,
  type ApiCallInput,
  type ApiFetch,
  type ApiRoutes,
  type AuditRecord,
  type CallAction,
  type CallSnapshot,
  type Recording,
} from '@vox/shared';

/**
 * The shared client's fetch over Playwright's request context: relative paths resolve against the
 * test's backend, and each request shows in the test's trace.
 */
function playwrightFetch(request: APIRequestContext): ApiFetch {
  return async (url, init) => {
    const response = await request.fetch(url, { method: init.method, headers: init.headers, data: init.body });
    return { ok: response.ok(), status: response.status(), json: () => response.json() };
  };
}

/** The backend's REST API as a test drives it, through the shared typed client. */
export class VoxApi {
  private readonly client: ApiClient;

  private constructor(
    private readonly request: APIRequestContext,
    readonly token: string,
  ) {
    this.client = new ApiClient({ baseUrl: '', fetch: playwrightFetch(request), token: () => token });
  }

  static async login(request: APIRequestContext, username: string, password: string): Promise<VoxApi> {
    const anonymous = new ApiClient({ baseUrl: '', fetch: playwrightFetch(request) });
    const { token } = await anonymous.call('login', { body: { username, password } });
    return new VoxApi(request, token);
  }

  routeCall(body: ApiCallInput<ApiRoutes['createCall']>['body']) {
    return this.client.call('createCall', { body });
  }

  /** The calls a DN is on now, as the agent desktop's catch-up sees them. */
  async callsOf(dn: string): Promise<CallSnapshot[]> {
    return (await this.client.call('listCalls', { query: { dn } })).calls;
  }

  async recording(id: string): Promise<Recording | undefined> {
    try {
      return await this.client.call('getRecording', { params: { id } });
    } catch (error) {
      if (error instanceof ApiCallError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** The call's recordings, found by its ConnID. */
  async recordingsOfCall(connId: string): Promise<Recording[]> {
    return (await this.client.call('listRecordings', { query: { connId } })).recordings;
  }

  async setLabels(id: string, labels: string[]): Promise<Recording> {
    return this.client.call('setLabels', { params: { id }, body: { labels } });
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

  /** A media file's bytes: binary, so read directly rather than through the JSON client. */
  async media(recordingId: string, mediaId: string): Promise<Buffer> {
    const response = await this.request.get(`/api/v2/recordings/${recordingId}/media/${mediaId}`, {
      headers: { Authorization: `Bearer ${this.token}` },
    });
    if (!response.ok()) throw new Error(`get media: ${response.status()}`);
    return response.body();
  }

  /** A call action on behalf of the party on `dn` (answer, release, transfer...). */
  async callAction(connId: string, action: CallAction, body: { dn: string; toDn?: string }): Promise<void> {
    await this.client.call(callActionRouteName(action), { params: { connId }, body });
  }

  /** T-Library TPrivateService: 3013 start, 3014 stop, 3015 pause, 3016 resume. */
  async privateService(connId: string, thisDn: string, privateMsgId: number): Promise<void> {
    await this.client.call('privateService', { body: { connId, thisDn, privateMsgId } });
  }

  /** The party on `dn` keys `digits` (RFC 4733 in the call's media). */
  async sendDigits(connId: string, dn: string, digits: string): Promise<void> {
    await this.client.call('sendDigits', { params: { connId }, body: { dn, digits } });
  }

  /** The audit log, newest first, narrowed by `query`. */
  async audit(query: ApiCallInput<ApiRoutes['listAudit']>['query']): Promise<AuditRecord[]> {
    return (await this.client.call('listAudit', { query })).records;
  }
}
