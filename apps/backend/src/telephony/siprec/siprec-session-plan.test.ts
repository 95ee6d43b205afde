import { describe, expect, it } from 'vitest';
import type { DnEntry } from '../sip-server/dn-directory.ts';
import { parseSip } from '../sip/sip-message.ts';
import { parseSiprecOffer } from './siprec-offer.ts';
import { chooseStreams, siprecCallOf, streamsActive, type ChosenStream } from './siprec-session-plan.ts';
import { readVendorInvite } from './vendor-invites/vendor-invite-fixtures.ts';

/** A tenant whose directory knows these DNs. */
function directory(entries: Array<Partial<DnEntry> & { dn: string }>) {
  return {
    lookup: (dn: string) => {
      const entry = entries.find((e) => e.dn === dn);
      return Promise.resolve(
        entry && {
          type: 'Extension' as const,
          record: false,
          agentId: undefined,
          agentUsername: undefined,
          group: undefined,
          ...entry,
        },
      );
    },
  };
}

function planOf(name: string) {
  const invite = parseSip(readVendorInvite(name).raw);
  const offer = parseSiprecOffer(invite.headers.find(([n]) => n === 'Content-Type')?.[1], invite.body);
  const chosen = chooseStreams(offer);
  return { invite, offer, chosen };
}

function streams(chosen: ChosenStream[] | string): ChosenStream[] {
  if (typeof chosen === 'string') throw new Error(chosen);
  return chosen;
}

describe('which streams a session records', () => {
  it('records the first two audio streams and leaves a third (Avaya’s mixed one) out', () => {
    const { chosen } = planOf('avaya-three-streams');
    expect(streams(chosen).map((c) => c.stream.index)).toEqual([0, 1]);
  });

  it('says why it refuses an SRTP offer and a G.729-only one', () => {
    expect(planOf('srtp-offer').chosen).toMatch(/SRTP/);
    expect(planOf('g729-only').chosen).toMatch(/no codec Vox records .*G729/);
  });

  it('starts paused when the SRC offers its streams inactive', () => {
    expect(streamsActive(streams(planOf('all-inactive').chosen))).toBe(false);
    expect(streamsActive(streams(planOf('rfc7865-generic').chosen))).toBe(true);
  });
});

describe('the call behind a session', () => {
  it('puts the agent where the tenant’s DN is, even when label 1 is sent by the second participant (Sonus)', async () => {
    const { invite, offer, chosen } = planOf('sonus-prefixed');
    const tenant = directory([{ dn: '3125550177', agentId: 'agent9', group: 'sales' }]);
    const call = await siprecCallOf(invite, offer, streams(chosen), tenant);
    expect(call.agent).toEqual({ dn: '3125550177', agentId: 'agent9', group: 'sales' });
    expect(streams(chosen).map((c) => c.side)).toEqual(['agent', 'customer']);
    expect({ ani: call.ani, dnis: call.dnis }).toEqual({ ani: '3125550140', dnis: '3125550177' });
    expect(call.attachedData['siprec.labels']).toBe('1=agent,2=customer');
  });

  it('counts a DN configured as ACD Position, not one configured as a trunk', async () => {
    const { invite, offer, chosen } = planOf('sonus-prefixed');
    const trunk = directory([{ dn: '3125550177', type: 'TrunkGroup' }]);
    expect((await siprecCallOf(invite, offer, streams(chosen), trunk)).agent).toBeUndefined();
    const position = directory([{ dn: '3125550140', type: 'ACDPosition' }]);
    const call = await siprecCallOf(invite, offer, streams(chosen), position);
    expect(call.agent?.dn).toBe('3125550140');
    expect(streams(chosen).map((c) => c.side)).toEqual(['customer', 'agent']);
  });

  it('without a DN of the tenant: stream 1 on the left, ANI and DNIS from the participants in order', async () => {
    const { invite, offer, chosen } = planOf('sonus-prefixed');
    const call = await siprecCallOf(invite, offer, streams(chosen), directory([]));
    expect(call.agent).toBeUndefined();
    expect(streams(chosen).map((c) => c.side)).toEqual(['agent', 'customer']);
    expect({ ani: call.ani, dnis: call.dnis }).toEqual({ ani: '3125550140', dnis: '3125550177' });
  });

  it('without metadata (Cisco), takes numbers from the INVITE’s From and To, never the SBC’s or SRS’s own names', async () => {
    const { invite, offer, chosen } = planOf('cisco-cube-no-metadata');
    const call = await siprecCallOf(invite, offer, streams(chosen), directory([]));
    expect(call.attachedData['siprec.metadata']).toBe('none');
    // From: <sip:10.20.30.1>, To: <sip:srs@10.0.0.50>: nobody's number.
    expect({ ani: call.ani, dnis: call.dnis }).toEqual({ ani: 'anonymous', dnis: 'unknown' });
    invite.headers = invite.headers.map(([n, v]) =>
      n === 'From'
        ? [n, '"Caller" <sip:+15550123@10.20.30.1>;tag=1']
        : n === 'To'
          ? [n, '<sip:8005550100@10.0.0.50>']
          : [n, v],
    );
    const numbered = await siprecCallOf(invite, offer, streams(chosen), directory([]));
    expect({ ani: numbered.ani, dnis: numbered.dnis }).toEqual({ ani: '+15550123', dnis: '8005550100' });
  });

  it('keeps the session id and Call-ID in the attached data', async () => {
    const { invite, offer, chosen } = planOf('rfc7865-generic');
    const call = await siprecCallOf(invite, offer, streams(chosen), directory([]));
    expect(call.attachedData['siprec.callId']).toBe(invite.headers.find(([n]) => n === 'Call-ID')?.[1]);
    expect(call.attachedData['siprec.sessionId']).toBe(offer.metadata?.sessionId);
  });
});
