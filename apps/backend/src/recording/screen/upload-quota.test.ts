import { describe, expect, it } from 'vitest';
import { UploadQuota } from './upload-quota.ts';

describe('UploadQuota', () => {
  it('limits each user’s unfinished uploads by count and by bytes, apart from other users', async () => {
    const quota = new UploadQuota({ activeUploads: 2, activeBytes: 1000 });
    quota.opened('u1', 'agent1', 400);
    expect(quota.refusal('agent1', 700)).toMatch(/more than/);
    quota.opened('u2', 'agent1', 100);
    expect(quota.refusal('agent1', 1)).toMatch(/2 unfinished uploads/);
    expect(quota.refusal('agent2', 900)).toBeUndefined();
    quota.closed('u1');
    expect(quota.refusal('agent1', 800)).toBeUndefined();
    await quota.prune(async (id) => id !== 'u2');
    expect(quota.refusal('agent1', 1000)).toBeUndefined();
  });
});
