import { describe, expect, it } from 'vitest';
import {
  aorUser,
  parseSiprecMetadata,
  participantSending,
  participantsSending,
  SiprecOfferError,
} from './siprec-metadata.ts';

const rfc7865 = `<?xml version="1.0" encoding="UTF-8"?>
<recording xmlns="urn:ietf:params:xml:ns:recording:1">
  <datamode>complete</datamode>
  <session session_id="sess-1"><sipSessionID>abc</sipSessionID></session>
  <participant participant_id="alice">
    <nameID aor="sip:alice@example.com"><name xml:lang="fr">Renée &amp; Co</name></nameID>
  </participant>
  <participant participant_id="bob">
    <nameID aor="sip:bob@example.com"><name xml:lang="en">   </name></nameID>
  </participant>
  <stream stream_id="s-a" session_id="sess-1"><label>01</label></stream>
  <stream stream_id="s-b" session_id="sess-1"><label>2</label></stream>
  <participantstreamassoc participant_id="bob"><send>s-a</send><recv>s-b</recv></participantstreamassoc>
  <participantstreamassoc participant_id="alice"><send>s-b</send><recv>s-a</recv></participantstreamassoc>
</recording>`;

const draft = `<?xml version='1.0' encoding='UTF-8'?>
<recording xmlns='urn:ietf:params:xml:ns:recording'>
  <session id="sess-9"><associate-time>2026-11-30T10:00:00</associate-time></session>
  <participant id="p1" session="sess-9">
    <nameID aor="sip:9000@192.0.2.9"><name>9000</name></nameID>
    <send>st-1</send>
    <extensiondata xmlns:apkt="http://acmepacket.com/siprec/extensiondata"><apkt:callingParty>true</apkt:callingParty></extensiondata>
  </participant>
  <participant id="p2" session="sess-9">
    <nameID aor="sip:1002@192.0.2.10"/>
    <send>st-2</send>
  </participant>
  <stream id="st-1" session="sess-9"><label>16777227</label><mode>separate</mode></stream>
  <stream id="st-2" session="sess-9"><label>16777228</label><mode>separate</mode></stream>
</recording>`;

const broadWorks =
  '<?xml version="1.0" encoding="UTF-8"?><recording_metadata xmlns="urn:ietf:params:xml:ns:siprec"><dataMode>complete</dataMode>' +
  '<session id="urn:uuid:s"/>' +
  '<participant id="urn:uuid:p1" session="urn:uuid:s"><aor>sip:02079460018</aor><send><id>urn:uuid:a</id></send></participant>' +
  '<participant id="urn:uuid:p2" session="urn:uuid:s"><aor>sip:+442079460999@as.example.net;user=phone</aor><send><id>urn:uuid:b</id></send></participant>' +
  '<stream id="urn:uuid:a" session="urn:uuid:s"><label>1</label></stream>' +
  '<stream id="urn:uuid:b" session="urn:uuid:s"><label>2</label></stream>' +
  '</recording_metadata>';

function statusOf(action: () => unknown): number | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof SiprecOfferError) return error.status;
    throw error;
  }
  return undefined;
}

describe('parseSiprecMetadata', () => {
  it('reads RFC 7865 participants, names, streams and who sends what', () => {
    const metadata = parseSiprecMetadata(rfc7865);
    expect(metadata.form).toBe('rfc7865');
    expect(metadata.sessionId).toBe('sess-1');
    expect(metadata.participants).toEqual([
      { id: 'alice', aor: 'sip:alice@example.com', name: 'Renée & Co', sends: ['s-b'] },
      { id: 'bob', aor: 'sip:bob@example.com', name: undefined, sends: ['s-a'] },
    ]);
    expect(metadata.streams).toEqual([
      { id: 's-a', label: '01' },
      { id: 's-b', label: '2' },
    ]);
  });

  it('reads the draft form with <send> inside <participant>', () => {
    const metadata = parseSiprecMetadata(draft);
    expect(metadata.form).toBe('draft');
    expect(metadata.sessionId).toBe('sess-9');
    expect(metadata.participants.map((p) => [p.id, p.aor, p.name, p.sends])).toEqual([
      ['p1', 'sip:9000@192.0.2.9', '9000', ['st-1']],
      ['p2', 'sip:1002@192.0.2.10', undefined, ['st-2']],
    ]);
    expect(participantSending(metadata, '16777228')?.id).toBe('p2');
  });

  it('reads BroadWorks recording_metadata with <aor> elements and <send><id>', () => {
    const metadata = parseSiprecMetadata(broadWorks);
    expect(metadata.form).toBe('draft');
    expect(metadata.participants.map((p) => [p.aor, p.sends])).toEqual([
      ['sip:02079460018', ['urn:uuid:a']],
      ['sip:+442079460999@as.example.net;user=phone', ['urn:uuid:b']],
    ]);
    expect(participantSending(metadata, '1')?.id).toBe('urn:uuid:p1');
  });

  it('reads namespace-prefixed metadata like the unprefixed form', () => {
    const prefixed = rfc7865
      .replace(
        '<recording xmlns="urn:ietf:params:xml:ns:recording:1">',
        "<tns:recording xmlns:tns='urn:ietf:params:xml:ns:recording'>",
      )
      .replace(/<(\/?)(?!\?|tns:)([a-zA-Z])/g, '<$1tns:$2');
    expect(prefixed).toContain('<tns:participantstreamassoc participant_id="bob"><tns:send>');
    expect(parseSiprecMetadata(prefixed)).toEqual(parseSiprecMetadata(rfc7865));
  });

  it('answers 415 for a document that is not SIPREC metadata and 400 for broken XML', () => {
    expect(statusOf(() => parseSiprecMetadata('{"recording":{}}'))).toBe(415);
    expect(statusOf(() => parseSiprecMetadata('<html><body/></html>'))).toBe(415);
    expect(statusOf(() => parseSiprecMetadata('<recording><participant></recording>'))).toBe(400);
    expect(statusOf(() => parseSiprecMetadata(''))).toBe(415);
  });

  it('reads an empty recording as one without participants', () => {
    expect(parseSiprecMetadata('<recording xmlns="urn:ietf:params:xml:ns:recording:1"/>')).toEqual({
      form: 'rfc7865',
      sessionId: undefined,
      participants: [],
      streams: [],
    });
  });
});

describe('participantSending', () => {
  it('follows label -> stream -> sender, not the order of participants', () => {
    const metadata = parseSiprecMetadata(rfc7865);
    expect(participantSending(metadata, '01')?.id).toBe('bob');
    expect(participantSending(metadata, '2')?.id).toBe('alice');
    expect(participantSending(metadata, '1')).toBeUndefined();
  });

  it('says nothing without participantstreamassoc, or when several send one mixed stream', () => {
    const withoutAssociations = parseSiprecMetadata(
      rfc7865.replace(/<participantstreamassoc[\s\S]*?<\/participantstreamassoc>/g, ''),
    );
    expect(participantSending(withoutAssociations, '01')).toBeUndefined();
    const mixed = parseSiprecMetadata(rfc7865.replace('<send>s-b</send>', '<send>s-b</send><send>s-a</send>'));
    expect(participantSending(mixed, '01')).toBeUndefined();
    expect(participantsSending(mixed, '01').map((p) => p.id)).toEqual(['alice', 'bob']);
  });
});

describe('aorUser', () => {
  it.each([
    ['sip:+4930123@host;user=phone', '+4930123'],
    ['tel:+1555', '+1555'],
    ['tel:+1555;phone-context=example.com', '+1555'],
    ['<sip:7001@pbx>', '7001'],
    ['"Front Desk" <sips:7002@pbx:5061;transport=tls>;tag=x', '7002'],
    ['SIP:Alice@Example.com', 'Alice'],
    ['2249888500@172.16.198.55', '2249888500'],
    ['sip:02079460018', '02079460018'],
    ['sip:%2B4930123@host', '+4930123'],
    ['sip:+1555;npdi@host', '+1555'],
  ])('%s -> %s', (aor, user) => {
    expect(aorUser(aor)).toBe(user);
  });

  it('has no user for a host-only URI or an empty user', () => {
    expect(aorUser('sip:pbx.example.com')).toBeUndefined();
    expect(aorUser('sip:@host')).toBeUndefined();
    expect(aorUser('')).toBeUndefined();
  });
});
