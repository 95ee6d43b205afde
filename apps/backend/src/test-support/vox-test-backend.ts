import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ApiClient,
  callActionRouteName,
  type CallAction,
  type CallActionRequest,
  type CallSnapshot,
  type LoginResponse,
  type Recording,
} from '@vox/shared';
import { loadConfig } from '../platform/config.ts';
import { startVox, type RunningVox } from '../server.ts';

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/**
 * A real backend for tests: embedded PostgreSQL, real MCPs and storage in a temporary directory,
 * the demo tenant, and a small REST client for it.
 */
export class VoxTestBackend {
  private readonly tokens = new Map<string, string>();
  private readonly clients = new Map<string, ApiClient>();

  private constructor(
    readonly vox: RunningVox,
    readonly dataDir: string,
  ) {}

  /** `logStream` receives the backend's log lines (with a `VOX_LOG_LEVEL` other than silent). */
  static async start(
    env: Record<string, string> = {},
    options: { logStream?: { write(line: string): void } } = {},
  ): Promise<VoxTestBackend> {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-backend-'));
    // The embedded database runs as the `postgres` user when tests run as root: it must reach the directory.
    await fs.chmod(dataDir, 0o755);
    const vox = await startVox({
      ...loadConfig({
        VOX_PORT: '0',
        VOX_SIP_PORT: '0',
        VOX_DATA_DIR: dataDir,
        VOX_DEMO: '1',
        VOX_LOG_LEVEL: 'silent',
        ...env,
      }),
      ...options,
    }).catch(async (error: unknown) => {
      await fs.rm(dataDir, { recursive: true, force: true });
      throw error;
    });
    return new VoxTestBackend(vox, dataDir);
  }

  /** The client for a backend started otherwise (its own process: see SpawnedBackend). */
  static attach(vox: RunningVox, dataDir: string): VoxTestBackend {
    return new VoxTestBackend(vox, dataDir);
  }

  get url(): string {
    return this.vox.url;
  }

  async stop(): Promise<void> {
    await this.vox.close();
    await fs.rm(this.dataDir, { recursive: true, force: true });
  }

  async call(method: string, route: string, body?: unknown, token?: string): Promise<ApiAnswer> {
    const response = await fetch(`${this.vox.url}${route}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** Logs a demo user in (password `<name>-demo`). */
  async login(username: string): Promise<LoginResponse> {
    const anonymous = new ApiClient({ baseUrl: this.vox.url, fetch });
    return anonymous.call('login', { body: { username, password: `${username}-demo` } });
  }

  /** The shared typed client, as the demo user `username` (logging in once). */
  async client(username: string): Promise<ApiClient> {
    const known = this.clients.get(username);
    if (known) return known;
    const token = await this.token(username);
    const client = new ApiClient({ baseUrl: this.vox.url, fetch, token: () => token });
    this.clients.set(username, client);
    return client;
  }

  /** A demo user's token, logging in once. */
  async token(username: string): Promise<string> {
    const known = this.tokens.get(username);
    if (known) return known;
    const { token } = await this.login(username);
    this.tokens.set(username, token);
    return token;
  }

  /** A call action as the admin (who may act for any DN): the call as it is afterwards. */
  async callAction(connId: string, action: CallAction, request: CallActionRequest): Promise<CallSnapshot> {
    return (await this.client('admin')).call(callActionRouteName(action), { params: { connId }, body: request });
  }

  /** A recording as the admin reads it. */
  async recording(id: string): Promise<Recording> {
    return (await this.client('admin')).call('getRecording', { params: { id } });
  }

  /**
   * A call routed to `dn` (routing strategy record=destination) and answered there, so being
   * recorded: its ConnectionID, and when the answer came back (epoch ms).
   */
  async answeredCall(ani: string, dn: string): Promise<{ connId: string; answeredAt: number }> {
    const admin = await this.client('admin');
    const { connId } = await admin.call('createCall', {
      body: { ani, dnis: '8005550100', targetDn: dn, record: 'destination' },
    });
    await this.callAction(connId, 'answer', { dn });
    return { connId, answeredAt: Date.now() };
  }

  /**
   * A call routed to `dn` (routing strategy record=destination), answered, held for `during` (ms, or
   * while a function runs) and released: its ConnectionID.
   */
  async recordedCall(ani: string, dn: string, during: number | (() => Promise<unknown>)): Promise<string> {
    const { connId } = await this.answeredCall(ani, dn);
    if (typeof during === 'number') await new Promise((resolve) => setTimeout(resolve, during));
    else await during();
    await this.callAction(connId, 'release', { dn });
    return connId;
  }

  /** The recordings of a call once the MCP has stored `mediaFiles` files for them in all. */
  async recordingsOf(connId: string, mediaFiles = 1, timeoutMs = 15_000): Promise<Recording[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const listed = await (await this.client('admin')).call('listRecordings', { query: { connId } });
      const stored = listed.recordings.reduce((n, r) => n + r.mediaFiles.length, 0);
      if (stored >= mediaFiles) return listed.recordings;
      if (Date.now() > deadline) {
        throw new Error(`call ${connId}: ${stored} of ${mediaFiles} media file(s) stored after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A media file's bytes, decrypted, as the playback route serves them. */
  async media(recordingId: string, mediaId: string): Promise<Buffer> {
    const response = await fetch(`${this.vox.url}/api/v2/recordings/${recordingId}/media/${mediaId}`, {
      headers: { Authorization: `Bearer ${await this.token('admin')}` },
    });
    if (response.status !== 200) throw new Error(`media ${mediaId} answered ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }
}
