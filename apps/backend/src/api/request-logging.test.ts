import { describe, expect, it } from 'vitest';
import { redactedUrl } from './request-logging.ts';

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
