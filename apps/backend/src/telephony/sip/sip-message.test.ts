import { describe, expect, it } from 'vitest';
import { formatSip, parseSip, parseSipUri, sipHeader, sipResponse } from './sip-message.ts';

describe('SIP messages', () => {
  const invite = formatSip({
    startLine: 'INVITE sip:msml=006f02a6d1b9c2e1@rm.vox.local:5070;dn=7001;record SIP/2.0',
    headers: [
      ['Via', 'SIP/2.0/UDP sipserver.vox.local:5060;branch=z9hG4bK1'],
      ['Call-ID', 'abc@sipserver'],
      ['CSeq', '1 INVITE'],
      ['Content-Type', 'application/sdp'],
    ],
    body: 'v=0\r\n',
  });

  it('writes CRLF lines and a correct Content-Length', () => {
    expect(invite).toContain('\r\nContent-Length: 5\r\n\r\nv=0\r\n');
    const parsed = parseSip(invite);
    expect(sipHeader(parsed, 'call-id')).toBe('abc@sipserver');
    expect(parsed.body).toBe('v=0\r\n');
  });

  it('reads the recording parameters of the request URI', () => {
    const uri = parseSipUri('sip:msml=006f02a6d1b9c2e1@rm.vox.local:5070;dn=7001;record');
    expect(uri.user).toBe('msml=006f02a6d1b9c2e1');
    expect(uri.params.get('dn')).toBe('7001');
    expect(uri.params.has('record')).toBe(true);
  });

  it('answers with the request’s Via, Call-ID and CSeq', () => {
    const response = parseSip(formatSip(sipResponse(parseSip(invite), '200 OK')));
    expect(response.startLine).toBe('SIP/2.0 200 OK');
    expect(sipHeader(response, 'CSeq')).toBe('1 INVITE');
    expect(sipHeader(response, 'Via')).toContain('branch=z9hG4bK1');
  });

  it('refuses a message without a header/body separator', () => {
    expect(() => parseSip('INVITE sip:x SIP/2.0\r\nVia: x')).toThrow(/blank line/);
  });
});
