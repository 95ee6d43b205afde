import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  mediaTicketSchema,
  type ApiClient,
  type AuditAction,
  type MediaTicketPurpose,
  type Recording,
} from '@vox/shared';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

/** Media reads as a player, a downloader and an attacker would make them, and what the log keeps. */
let backend: VoxTestBackend;
let admin: ApiClient;
const logLines: string[] = [];
const issuedTickets: string[] = [];
let sales: Recording;
let otherSales: Recording;
let support: Recording;

async function recordedCall(ani: string, dn: string): Promise<Recording> {
  return (await backend.recordingsOf(await backend.recordedCall(ani, dn, 500)))[0]!;
}

beforeAll(async () => {
  backend = await VoxTestBackend.start(
    { VOX_LOG_LEVEL: 'info' },
    { logStream: { write: (line) => logLines.push(line) } },
  );
  admin = await backend.client('admin');
  sales = await recordedCall('5550801', '7001');
  otherSales = await recordedCall('5550802', '7002');
  support = await recordedCall('5550803', '7003');
});

afterAll(async () => {
  await backend?.stop();
});

afterEach(() => {
  vi.useRealTimers();
});

const mediaPath = (recording: Recording) =>
  `/api/v2/recordings/${recording.id}/media/${recording.mediaFiles[0]!.mediaId}`;

async function ticket(recording: Recording, token: string, purpose: MediaTicketPurpose = 'play') {
  const answer = await backend.call('POST', `${mediaPath(recording)}/ticket`, { purpose }, token);
  if (answer.status !== 201) return { status: answer.status, path: '' };
  const { path } = mediaTicketSchema.parse(answer.body);
  issuedTickets.push(new URL(path, backend.url).searchParams.get('ticket')!);
  return { status: answer.status, path };
}

/** A GET as a media element makes it: no Authorization header unless a token is given. */
async function get(path: string, options: { token?: string; range?: string } = {}) {
  const response = await fetch(`${backend.url}${path}`, {
    headers: {
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...(options.range ? { Range: options.range } : {}),
    },
  });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body, disposition: response.headers.get('content-disposition') };
}

async function mediaAudit(recording: Recording, actor: string, action: AuditAction) {
  const query = { recordingId: recording.id, actor, action, limit: 1000 };
  return (await admin.call('listAudit', { query })).records;
}

describe('a media URL', () => {
  it('needs a bearer header or a valid ticket: a token in the query opens nothing', async () => {
    const token = await backend.token('supervisor1');
    expect((await get(mediaPath(sales))).status).toBe(401);
    expect((await get(`${mediaPath(sales)}?access_token=${token}`)).status).toBe(401);
    expect((await get(`${mediaPath(sales)}?ticket=not-a-ticket`)).status).toBe(401);
    expect((await backend.call('POST', `${mediaPath(sales)}/ticket`, { purpose: 'play' })).status).toBe(401);
  });
});

describe('a media ticket', () => {
  it('opens its one media file for its user without a bearer header, and no other file', async () => {
    const token = await backend.token('supervisor1');
    const { status, path } = await ticket(sales, token);
    expect(status).toBe(201);
    expect(path.startsWith(`${mediaPath(sales)}?ticket=`)).toBe(true);
    const whole = await get(path);
    expect(whole.status).toBe(200);
    expect(whole.body.length).toBe(sales.mediaFiles[0]!.size);
    expect(whole.disposition).toBeNull();
    expect((await get(path, { range: 'bytes=0-99' })).status).toBe(206);

    const query = path.slice(path.indexOf('?'));
    expect((await get(`${mediaPath(otherSales)}${query}`)).status).toBe(401);
    // The sales supervisor gets no ticket for a support recording, and an agent none for a sales one.
    expect((await ticket(support, token)).status).toBe(404);
    expect((await ticket(sales, await backend.token('agent1'))).status).toBe(404);
    expect((await ticket(sales, await backend.token('supervisor2'))).status).toBe(404);
  });

  it('must be used within a minute, then lives while in use (15 idle minutes, 4 hours at most)', async () => {
    const token = await backend.token('supervisor1');
    const unused = await ticket(sales, token);
    vi.setSystemTime(Date.now() + 61_000);
    expect((await get(unused.path, { range: 'bytes=0-0' })).status).toBe(401);
    vi.useRealTimers();

    const used = await ticket(sales, token);
    let now = Date.now();
    expect((await get(used.path, { range: 'bytes=0-0' })).status).toBe(206);
    for (let elapsed = 14; elapsed < 4 * 60; elapsed += 14) {
      now += 14 * 60_000;
      vi.setSystemTime(now);
      expect((await get(used.path, { range: 'bytes=0-0' })).status, `after ${elapsed} minutes`).toBe(206);
    }
    now += 14 * 60_000;
    vi.setSystemTime(now);
    expect((await get(used.path, { range: 'bytes=0-0' })).status).toBe(401);
    vi.useRealTimers();

    const idle = await ticket(sales, token);
    expect((await get(idle.path, { range: 'bytes=0-0' })).status).toBe(206);
    vi.setSystemTime(Date.now() + 16 * 60_000);
    expect((await get(idle.path, { range: 'bytes=0-0' })).status).toBe(401);
  });

  it('ends with the session that asked for it', async () => {
    const { token } = await backend.login('supervisor1');
    const { path } = await ticket(sales, token);
    expect((await get(path, { range: 'bytes=0-0' })).status).toBe(206);
    expect((await backend.call('POST', '/api/v2/auth/logout', undefined, token)).status).toBe(204);
    expect((await get(path, { range: 'bytes=0-0' })).status).toBe(401);
  });
});

describe('each read of an open ticket', () => {
  it('checks again that its user may see the recording: a right withdrawn applies at the next Range request', async () => {
    await admin.call('setUserRights', { params: { username: 'agent1' }, body: { ownRecordings: true } });
    try {
      const { token } = await backend.login('agent1');
      const { status, path } = await ticket(sales, token);
      expect(status).toBe(201);
      expect((await get(path, { range: 'bytes=0-99' })).status).toBe(206);
      await admin.call('setUserRights', { params: { username: 'agent1' }, body: { ownRecordings: false } });
      expect((await get(path, { range: 'bytes=0-99' })).status).toBe(404);
      expect((await get(path, { range: 'bytes=100-199' })).status).toBe(404);
    } finally {
      await admin.call('setUserRights', { params: { username: 'agent1' }, body: { ownRecordings: false } });
    }
  });

  it('finds nothing once the recording is deleted, and a recording stored after it plays', async () => {
    const doomed = await recordedCall('5550804', '7002');
    const token = await backend.token('supervisor1');
    const { path } = await ticket(doomed, token);
    const before = await get(path, { range: 'bytes=0-99' });
    expect(before.status).toBe(206);
    await admin.call('deleteRecording', { params: { id: doomed.id } });
    expect((await get(path, { range: 'bytes=0-99' })).status).toBe(404);
    const next = await recordedCall('5550805', '7002');
    const played = await get((await ticket(next, token)).path);
    expect(played.status).toBe(200);
    expect(played.body.length).toBe(next.mediaFiles[0]!.size);
  });
});

describe('the audit of media reads', () => {
  it('records each opening once, whatever the Range, and each read with the bearer token as a download', async () => {
    const token = await backend.token('supervisor2');
    expect((await get(mediaPath(support), { token, range: 'bytes=1-' })).status).toBe(206);
    expect(await mediaAudit(support, 'supervisor2', 'download')).toHaveLength(1);
    expect((await get(mediaPath(support), { token, range: 'bytes=1-' })).status).toBe(206);
    expect(await mediaAudit(support, 'supervisor2', 'download')).toHaveLength(2);

    const first = await ticket(support, token);
    const reads = await Promise.all([
      get(first.path, { range: 'bytes=1-' }),
      get(first.path, { range: 'bytes=1-' }),
      get(first.path, { range: 'bytes=0-9' }),
    ]);
    expect(reads.map((r) => r.status)).toEqual([206, 206, 206]);
    expect(await mediaAudit(support, 'supervisor2', 'playback')).toHaveLength(1);
    const second = await ticket(support, token);
    expect((await get(second.path, { range: 'bytes=1-' })).status).toBe(206);
    const playbacks = await mediaAudit(support, 'supervisor2', 'playback');
    expect(playbacks.map((r) => r.target)).toEqual([
      `${support.id}/${support.mediaFiles[0]!.mediaId}`,
      `${support.id}/${support.mediaFiles[0]!.mediaId}`,
    ]);
    // An unsatisfiable range sends no byte and leaves no record.
    expect((await get(mediaPath(support), { token, range: `bytes=${support.mediaFiles[0]!.size}-` })).status).toBe(416);
    expect(await mediaAudit(support, 'supervisor2', 'download')).toHaveLength(2);
  });

  it('lets a supervisor without the download right play with a ticket, not fetch the file with a GET', async () => {
    await admin.call('updateUser', { params: { username: 'supervisor1' }, body: { mayDownload: false } });
    try {
      const { token } = await backend.login('supervisor1');
      const before = await mediaAudit(sales, 'supervisor1', 'download');
      expect((await get(mediaPath(sales), { token })).status).toBe(403);
      expect((await get(mediaPath(sales), { token, range: 'bytes=0-' })).status).toBe(403);
      expect((await get(mediaPath(sales), { token, range: 'bytes=1-' })).status).toBe(403);
      expect((await get(`${mediaPath(sales)}?download=1`, { token })).status).toBe(403);
      expect((await ticket(sales, token, 'download')).status).toBe(403);

      const play = await ticket(sales, token);
      const played = await get(play.path);
      expect(played.status).toBe(200);
      expect(played.body.length).toBe(sales.mediaFiles[0]!.size);
      expect(await mediaAudit(sales, 'supervisor1', 'download')).toEqual(before);

      // A download ticket asked for while the right was held is refused once it is withdrawn.
      await admin.call('updateUser', { params: { username: 'supervisor1' }, body: { mayDownload: true } });
      const held = await backend.login('supervisor1');
      const download = await ticket(sales, held.token, 'download');
      await admin.call('updateUser', { params: { username: 'supervisor1' }, body: { mayDownload: false } });
      expect((await get(download.path)).status).toBe(403);
    } finally {
      await admin.call('updateUser', { params: { username: 'supervisor1' }, body: { mayDownload: true } });
    }
    const { token } = await backend.login('supervisor1');
    const download = await ticket(sales, token, 'download');
    const fetched = await get(download.path);
    expect(fetched.status).toBe(200);
    expect(fetched.disposition).toBe(`attachment; filename="${sales.mediaFiles[0]!.mediaId}"`);
    expect((await mediaAudit(sales, 'supervisor1', 'download')).length).toBeGreaterThan(0);
  });
});

describe('the request log', () => {
  it('never shows a bearer token or a media ticket from a URL', async () => {
    const log = logLines.join('');
    expect(log).toContain('access_token=[redacted]');
    expect(log).toContain('ticket=[redacted]');
    expect(issuedTickets.length).toBeGreaterThan(5);
    for (const secret of [await backend.token('supervisor1'), ...issuedTickets]) expect(log).not.toContain(secret);
  });
});
