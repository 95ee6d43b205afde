import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { backendLogger, redactedUrl } from './request-logging.ts';

describe('a URL as the log shows it', () => {
  it.each([
    ['/api/v2/recordings/r1/media/m1?ticket=abc', '/api/v2/recordings/r1/media/m1?ticket=[redacted]'],
    ['/x?download=1&access_token=abc&limit=2', '/x?download=1&access_token=[redacted]&limit=2'],
    ['/x?TOKEN=abc', '/x?TOKEN=[redacted]'],
    // A name the query parser decodes to a credential's is one.
    ['/x?%74icket=abc', '/x?%74icket=[redacted]'],
    ['/x?ticket', '/x?ticket=[redacted]'],
    ['/x?tickets=abc&%E0%A4%A=1', '/x?tickets=abc&%E0%A4%A=1'],
    ['/api/v2/recordings', '/api/v2/recordings'],
  ])('%s', (url, logged) => {
    expect(redactedUrl(url)).toBe(logged);
  });
});

/** What a Fastify app logging through the backend's logger writes for one request with a ticket in its URL. */
async function loggedLines(terminal: boolean): Promise<string> {
  const written: string[] = [];
  const app = Fastify({ loggerInstance: backendLogger('info', { write: (line) => written.push(line) }, terminal) });
  app.get('/api/v2/recordings/:id/media/:mediaId', async () => 'media');
  await app.inject({ method: 'GET', url: '/api/v2/recordings/r1/media/m1?ticket=secret-ticket-value' });
  await app.close();
  return written.join('');
}

describe('the log in a terminal and elsewhere', () => {
  it('is one JSON object a line when it does not go to a terminal', async () => {
    const lines = (await loggedLines(false)).trimEnd().split('\n');
    const records = lines.map((line) => JSON.parse(line) as { msg: string; req?: { url: string } });
    expect(records.map((r) => r.msg)).toContain('incoming request');
    expect(records.find((r) => r.req)?.req?.url).toBe('/api/v2/recordings/r1/media/m1?ticket=[redacted]');
  });

  it('is text for a person in a terminal: time, level and message first, no JSON lines, URL redacted', async () => {
    const text = await loggedLines(true);
    const firstLines = text.split('\n').filter((line) => line.startsWith('['));
    expect(firstLines.length).toBeGreaterThanOrEqual(2);
    for (const line of firstLines) expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO( \(\S+\))?: /);
    expect(firstLines.some((line) => line.includes('incoming request'))).toBe(true);
    expect(text).toContain('"url": "/api/v2/recordings/r1/media/m1?ticket=[redacted]"');
    expect(text).not.toContain('secret-ticket-value');
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
    // Written to something other than standard output, it has no colour codes.
    expect(text).not.toContain('\u001b[');
  });
});
