import { describe, expect, it } from 'vitest';
import type { JobOverview } from '@vox/shared';
import { jobReport } from './job-report.ts';

const overview: JobOverview = {
  nodes: [
    {
      nodeId: 'vox-a',
      startedAt: '2026-12-02T09:00:00.000Z',
      seenAt: '2026-12-02T10:00:00.000Z',
      alive: true,
      running: 1,
      self: true,
    },
    {
      nodeId: 'vox-b',
      startedAt: '2026-12-02T09:00:00.000Z',
      seenAt: '2026-12-02T09:58:00.000Z',
      alive: false,
      running: 1,
      self: false,
    },
  ],
  queues: [
    { queue: 'store-media', waiting: 2, running: 1, retrying: 1, failed: 0, completed: 140 },
    { queue: 'mux-screen', waiting: 0, running: 0, retrying: 0, failed: 1, completed: 12 },
  ],
  running: [
    {
      id: '3f6a2c1e-8b4d-4e7f-9a2b-1c5d8e3f7a6b',
      queue: 'mux-screen',
      subject: 'call 0041',
      nodeId: 'vox-a',
      startedAt: '2026-12-02T09:59:58.000Z',
    },
  ],
  troubled: [
    {
      id: '0b9d4a7e-3c1f-4e2a-9d6b-5f8e7a6c4b3d',
      queue: 'store-media',
      state: 'retrying',
      subject: 'recordings/2026/12/02/a.mp3',
      attempts: 3,
      maxAttempts: 21,
      error: 'WebDAV PUT answered 503',
      nextAttemptAt: '2026-12-02T10:00:08.000Z',
      createdAt: '2026-12-02T09:59:50.000Z',
    },
    {
      id: '7c2e9f1a-5b3d-4c8e-a1f6-2d4b9e8c7a5f',
      queue: 'mux-screen',
      state: 'failed',
      subject: 'call 0042\u001b[2J',
      attempts: 13,
      maxAttempts: 13,
      error: 'storage unavailable',
      createdAt: '2026-12-02T08:00:00.000Z',
    },
  ],
};

describe('vox jobs', () => {
  it('shows the backends, a line per queue, the jobs running and where, and each retrying or failed job with its error', () => {
    expect(jobReport(overview, new Date('2026-12-02T10:00:02.000Z'))).toEqual([
      'backend vox-a (answered this): 1 running, seen 2 s ago',
      'backend vox-b: NOT SEEN for 122 s',
      'queue         waiting   running  retrying    failed completed',
      'store-media         2         1         1         0       140',
      'mux-screen          0         0         0         1        12',
      'RUNNING mux-screen 3f6a2c1e-8b4d-4e7f-9a2b-1c5d8e3f7a6b call 0041: on vox-a since 2026-12-02T09:59:58.000Z',
      'RETRYING store-media 0b9d4a7e-3c1f-4e2a-9d6b-5f8e7a6c4b3d recordings/2026/12/02/a.mp3: run 3 of 21, next run 2026-12-02T10:00:08.000Z: WebDAV PUT answered 503',
      'FAILED mux-screen 7c2e9f1a-5b3d-4c8e-a1f6-2d4b9e8c7a5f call 0042\\x1b[2J: run 13 of 13: storage unavailable',
    ]);
  });
});
