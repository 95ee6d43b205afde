import { describe, expect, it } from 'vitest';
import { callActionRequestSchema, connIdSchema, createCallRequestSchema } from './sim.ts';
import { screenUploadMetadataSchema } from './screen-upload.ts';

describe('createCallRequestSchema', () => {
  it('accepts a routed call with the routing strategy record key and attached data', () => {
    const parsed = createCallRequestSchema.parse({
      ani: '+15550100',
      dnis: '8005550199',
      targetDn: '7001',
      record: 'source',
      recordId: 'rec-2026.1',
      attachedData: { account: '42' },
    });
    expect(parsed.record).toBe('source');
  });

  it.each([
    [{ ani: '5550100', dnis: '800', targetDn: '7001', record: 'everything' }, 'record'],
    [{ ani: 'anonymous', dnis: '800', targetDn: '7001' }, 'ani'],
    [{ ani: '5550100', dnis: '800' }, 'targetDn'],
    [{ ani: '5550100', dnis: '800', targetDn: '7001', recordId: 'has space' }, 'recordId'],
  ])('refuses %j, naming %s', (body, field) => {
    const result = createCallRequestSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});

describe('connIdSchema', () => {
  it('takes 16 lower-case hex digits only', () => {
    expect(connIdSchema.safeParse('006f02a6d1b9c2e1').success).toBe(true);
    expect(connIdSchema.safeParse('006F02A6D1B9C2E1').success).toBe(false);
    expect(connIdSchema.safeParse('006f02a6d1b9c2e').success).toBe(false);
  });
});

describe('callActionRequestSchema', () => {
  it('needs the acting DN', () => {
    expect(callActionRequestSchema.safeParse({}).success).toBe(false);
    expect(callActionRequestSchema.parse({ dn: '7001', toDn: '7002' }).toDn).toBe('7002');
  });
});

describe('screenUploadMetadataSchema', () => {
  it('needs a WebM file type and an ISO start time with offset', () => {
    const good = { connId: '006f02a6d1b9c2e1', filetype: 'video/webm', startedAt: '2026-11-24T10:00:00.000Z' };
    expect(screenUploadMetadataSchema.safeParse(good).success).toBe(true);
    expect(screenUploadMetadataSchema.safeParse({ ...good, filetype: 'video/mp4' }).success).toBe(false);
    expect(screenUploadMetadataSchema.safeParse({ ...good, startedAt: 'yesterday' }).success).toBe(false);
  });
});
