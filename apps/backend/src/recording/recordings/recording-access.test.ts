import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingListSchema, type Recording } from '@vox/shared';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';
import { JobQueue } from '../../platform/jobs/job-queue.ts';
import { until } from '../../test-support/polling.ts';
import { silentLogger } from '../../test-support/test-logger.ts';
import { postMediaMetadataJob } from '../storage/storage-outbox.ts';

let backend: VoxTestBackend;
let sales: Recording;

beforeAll(async () => {
  backend = await VoxTestBackend.start();
  const connId = await backend.recordedCall('5550600', '7001', 600);
  sales = (await backend.recordingsOf(connId))[0]!;
});

afterAll(async () => {
  await backend?.stop();
});

const storedFile = (recording: Recording) => {
  const day = recording.mediaFiles[0]!.startTime.slice(0, 10).replaceAll('-', '/');
  return path.join(backend.dataDir, 'media', 'recordings', day, recording.mediaFiles[0]!.mediaId);
};

describe('who may do what with a sales recording', () => {
  it.each([
    // user, list (sees it), get, play, delete
    ['agent1', false, 404, 404, 403],
    ['supervisor2', false, 404, 404, 403],
    ['supervisor1', true, 200, 200, 403],
  ] as const)('%s', async (user, listed, get, play, remove) => {
    const token = await backend.token(user);
    const list = recordingListSchema.parse(
      (await backend.call('GET', '/api/v2/recordings?connId=' + sales.connId, undefined, token)).body,
    );
    expect(list.recordings.map((r) => r.id)).toEqual(listed ? [sales.id] : []);
    expect((await backend.call('GET', `/api/v2/recordings/${sales.id}`, undefined, token)).status).toBe(get);
    const media = await fetch(`${backend.url}/api/v2/recordings/${sales.id}/media/${sales.mediaFiles[0]!.mediaId}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    await media.arrayBuffer();
    expect(media.status).toBe(play);
    expect((await backend.call('DELETE', `/api/v2/recordings/${sales.id}`, undefined, token)).status).toBe(remove);
  });
});

describe("an agent's right to its own recordings", () => {
  it('is off until an admin gives it; then the agent sees and plays the calls it took part in, no others', async () => {
    const agent1 = await backend.token('agent1');
    expect((await backend.call('GET', `/api/v2/recordings/${sales.id}`, undefined, agent1)).status).toBe(404);
    const admin = await backend.client('admin');
    expect(
      await admin.call('setUserRights', { params: { username: 'agent1' }, body: { ownRecordings: true } }),
    ).toMatchObject({ username: 'agent1', ownRecordings: true });
    expect((await backend.call('GET', `/api/v2/recordings/${sales.id}`, undefined, agent1)).status).toBe(200);
    const listed = recordingListSchema.parse(
      (await backend.call('GET', '/api/v2/recordings?callerPhoneNumber=*', undefined, agent1)).body,
    );
    expect(listed.recordings.map((r) => r.agentId)).toEqual(['agent1']);
    const agent2 = await backend.token('agent2');
    expect((await backend.call('GET', `/api/v2/recordings/${sales.id}`, undefined, agent2)).status).toBe(404);
    expect(
      (await backend.call('PUT', '/api/v2/admin/users/agent2/rights', { ownRecordings: true }, agent2)).status,
    ).toBe(403);
    await admin.call('setUserRights', { params: { username: 'agent1' }, body: { ownRecordings: false } });
    expect((await backend.call('GET', `/api/v2/recordings/${sales.id}`, undefined, agent1)).status).toBe(404);
  });
});

describe('stored media that cannot be decrypted', () => {
  it('is refused with a clear error when altered, or when its tenant key is not in the keystore', async () => {
    const file = storedFile(sales);
    const original = await fs.readFile(file);
    const play = () =>
      backend.call('GET', `/api/v2/recordings/${sales.id}/media/${sales.mediaFiles[0]!.mediaId}`, undefined);
    const asAdmin = async () =>
      backend.call(
        'GET',
        `/api/v2/recordings/${sales.id}/media/${sales.mediaFiles[0]!.mediaId}`,
        undefined,
        await backend.token('admin'),
      );
    expect((await play()).status).toBe(401);

    const altered = Buffer.from(original);
    altered[original.length - 40]! ^= 0xff;
    await fs.writeFile(file, altered);
    // A whole-file read checks the first chunk up front; the altered one is the last: ask for it.
    const lastByte = sales.mediaFiles[0]!.size - 1;
    const ranged = await fetch(`${backend.url}/api/v2/recordings/${sales.id}/media/${sales.mediaFiles[0]!.mediaId}`, {
      headers: { Authorization: `Bearer ${await backend.token('admin')}`, Range: `bytes=${lastByte}-${lastByte}` },
    });
    expect(ranged.status).toBe(502);
    expect(await ranged.json()).toMatchObject({
      error: { code: 'media_corrupted', message: expect.stringContaining('failed authentication') },
    });

    const headerEnd = original.indexOf('}', 12) + 1;
    const header = original.subarray(12, headerEnd).toString('utf8');
    const keyId = (JSON.parse(header) as { keyId: string }).keyId;
    const unknownKey = keyId.slice(0, -1) + (keyId.endsWith('0') ? '1' : '0');
    await fs.writeFile(
      file,
      Buffer.concat([
        original.subarray(0, 12),
        Buffer.from(header.replace(keyId, unknownKey)),
        original.subarray(headerEnd),
      ]),
    );
    expect(await asAdmin()).toMatchObject({
      status: 503,
      body: {
        error: {
          code: 'key_unavailable',
          message: expect.stringContaining(`tenant key ${unknownKey} is not in the keystore`),
        },
      },
    });
    await fs.writeFile(file, original);
    const restored = await fetch(`${backend.url}/api/v2/recordings/${sales.id}/media/${sales.mediaFiles[0]!.mediaId}`, {
      headers: { Authorization: `Bearer ${await backend.token('admin')}` },
    });
    expect(Buffer.from(await restored.arrayBuffer()).length).toBe(sales.mediaFiles[0]!.size);
  });
});

describe('the same metadata arriving again', () => {
  it('stores one media file, not two (a crash between posting the metadata and marking its job done)', async () => {
    const media = sales.mediaFiles[0]!;
    const stored = await fs.readFile(storedFile(sales));
    // Posted again from another backend on the same database: a metadata job run twice.
    const jobs = await JobQueue.start({ databaseUrl: backend.vox.databaseUrl, nodeId: 'other', log: silentLogger });
    try {
      const objectPath = path.relative(path.join(backend.dataDir, 'media'), storedFile(sales));
      await jobs.send(postMediaMetadataJob, {
        kind: 'voice',
        objectPath,
        stored: { path: objectPath, size: stored.length, sha256: createHash('sha256').update(stored).digest('hex') },
        metadata: {
          recordingId: sales.id,
          connId: sales.connId,
          callUuid: sales.callUuid,
          recordDN: sales.recordDN,
          mediaFile: media,
        },
      });
      await until('the job run by the backend', async () =>
        (await jobs.openJobData([postMediaMetadataJob.name])).length === 0 ? true : undefined,
      );
    } finally {
      await jobs.stop();
    }
    const [again] = await backend.recordingsOf(sales.connId);
    expect(again?.mediaFiles.map((m) => m.mediaId)).toEqual([media.mediaId]);
  });
});
