import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { callLadderSchema, recordingListSchema, type Recording } from '@vox/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../platform/media/ffmpeg.ts';
import { DecodedAudio } from '../../test-support/decoded-audio.ts';
import { rtpPcap, tone } from '../../test-support/rtp-pcap.ts';
import { runSipp, type SippRun } from '../../test-support/sipp.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';

/**
 * SIPREC calls played by SIPp, a real SRC on real sockets, at the real backend; what Vox stored
 * is decoded and compared with the audio that went in.
 */
const scenarios = path.join(import.meta.dirname, 'sipp');
/** Short for the dying SRC's test, long enough that a busy machine starving SIPp is no SRC death. */
const rtpTimeoutS = 6;
let vox: VoxTestBackend;
let dir: string;

beforeAll(async () => {
  vox = await VoxTestBackend.start({ VOX_RTP_PORTS: '44000-44199', VOX_RTP_TIMEOUT_S: String(rtpTimeoutS) });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-siprec-sipp-'));
});

afterAll(async () => {
  await vox?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Silence, then a tone from `fromMs` to `toMs`, then silence to `totalMs`. */
function toneBetween(frequencyHz: number, fromMs: number, toMs: number, totalMs: number): Int16Array {
  const audio = new Int16Array((totalMs * 8000) / 1000);
  audio.set(tone(frequencyHz, toMs - fromMs), (fromMs * 8000) / 1000);
  return audio;
}

/**
 * Both parties' audio as two RTP flows; `continuing` numbers the packets on from where an
 * earlier capture of the same call left off (after a pause, with a jump in the timestamps).
 */
async function capture(
  name: string,
  customer: Int16Array,
  agent: Int16Array,
  digitAtMs?: number,
  continuing = false,
): Promise<string> {
  const numbering = continuing ? { firstSequence: 2000, firstTimestamp: 400_000 } : {};
  const file = path.join(dir, `${name}.pcap`);
  await fs.writeFile(
    file,
    rtpPcap([
      {
        audio: customer,
        codec: 'PCMU',
        dstPort: 6000,
        ...numbering,
        ...(digitAtMs === undefined ? {} : { digits: [{ digit: '5', atMs: digitAtMs, durationMs: 120 }] }),
      },
      // Sequence and timestamp wrap during the call, as they do on long calls.
      {
        audio: agent,
        codec: 'PCMU',
        dstPort: 6002,
        firstSequence: 65_500,
        firstTimestamp: 0xffff_f000,
        ...numbering,
      },
    ]),
  );
  return file;
}

async function play(run: Omit<SippRun, 'target'>): Promise<void> {
  const result = await runSipp({ target: `127.0.0.1:${vox.vox.sipPort}`, timeoutMs: 30_000, ...run });
  expect(result.exitCode, `${result.errors}\n${result.messages.slice(-3000)}`).toBe(0);
}

async function recordingOf(customerNumber: string, timeoutMs = 15_000): Promise<Recording> {
  const token = await vox.token('admin');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await vox.call(
      'GET',
      `/api/v2/recordings?callerPhoneNumber=${encodeURIComponent(customerNumber)}`,
      undefined,
      token,
    );
    const found = recordingListSchema.parse(body).recordings[0];
    if (found && found.mediaFiles.length > 0) return found;
    if (Date.now() > until) throw new Error(`no recording of ${customerNumber} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function decodedMp3(recording: Recording): Promise<DecodedAudio> {
  const mp3 = recording.mediaFiles.find((m) => m.type === 'audio/mp3');
  if (!mp3) throw new Error('no MP3');
  return DecodedAudio.fromBytes(await vox.media(recording.id, mp3.mediaId), 'mp3', 16_000, 2);
}

/** The first 10 ms window from which a channel is loud for 100 ms, in ms from the file's start. */
function onsetMs(audio: DecodedAudio, channel: number, fromMs = 0): number {
  for (let at = fromMs; at < audio.durationMs - 100; at += 5) {
    if (audio.rms(channel, at, at + 10) > 0.05 && audio.rms(channel, at, at + 100) > 0.05) return at;
  }
  return Number.NaN;
}

function offsetMsIn(recording: Recording, iso: string): number {
  return Date.parse(iso) - Date.parse(recording.mediaFiles[0]!.startTime);
}

describe.each(['udp', 'tcp'] as const)('a SIPREC call from SIPp over %s', (transport) => {
  it('is stored with each party on its own channel, at the right time, with its RFC 4733 digit', async () => {
    const customerNumber = transport === 'udp' ? '+4930111001' : '+4930111002';
    // The customer speaks (500 Hz) from 0.5 s to 2.5 s and keys a 5 at 3 s; the agent (1 kHz) from 1.5 s to 3.5 s.
    const pcap = await capture(
      `call-${transport}`,
      toneBetween(500, 500, 2500, 4000),
      toneBetween(1000, 1500, 3500, 4000),
      3000,
    );
    await play({
      scenario: path.join(scenarios, 'siprec-call.xml'),
      transport,
      keys: { customer_number: customerNumber, agent_dn: '7001', pcap, talk_ms: '4300' },
    });
    const recording = await recordingOf(customerNumber);
    expect(recording.origin).toBe('siprec');
    expect(recording.callerPhoneNumber).toBe(customerNumber);
    expect(recording.agentId).toBe('agent1');
    expect(recording.parties).toContainEqual({ dn: '7001', role: 'agent' });
    expect(recording.attachedData['siprec.customer.rtp']).toMatch(/^PCMU \d+ packets, 0 lost, 0 late/);

    // G.711 is 8 kHz audio: the 16 kbit/s stereo MP3 keeps that rate rather than twice the samples.
    const mp3 = recording.mediaFiles.find((m) => m.type === 'audio/mp3')!;
    const file = path.join(os.tmpdir(), `vox-sipp-${transport}-${mp3.mediaId}`);
    await fs.writeFile(file, await vox.media(recording.id, mp3.mediaId));
    const probe = await probeMedia(file, 'mp3').finally(() => fs.rm(file, { force: true }));
    expect(probe.streams[0]?.description).toMatch(/mp3.*8000 Hz, stereo/);
    expect(probe.bitrateKbps).toBe(16);

    const audio = await decodedMp3(recording);
    const customerStart = onsetMs(audio, 1);
    const agentStart = onsetMs(audio, 0);
    // Agent left, customer right; each starts when it did in the capture, relative to the other.
    expect(agentStart - customerStart).toBeGreaterThan(1000 - 30);
    expect(agentStart - customerStart).toBeLessThan(1000 + 30);
    expect(audio.rms(1, customerStart + 100, customerStart + 1900)).toBeGreaterThan(0.1);
    expect(audio.rms(1, customerStart + 2100, customerStart + 2400)).toBeLessThan(0.02);
    expect(audio.rms(0, agentStart + 100, agentStart + 1900)).toBeGreaterThan(0.1);
    // The customer's tone is not on the agent's channel before the agent speaks.
    expect(audio.rms(0, customerStart + 100, agentStart - 100)).toBeLessThan(0.02);

    // The digit is in the history at its time (the capture's 3 s is 2.5 s after the customer's onset).
    const digit = recording.eventHistory.find((e) => e.event === 'DTMF');
    expect(digit?.detail).toMatch(/^RFC 4733/);
    expect(Math.abs(offsetMsIn(recording, digit!.at) - (customerStart + 2500))).toBeLessThan(60);

    // Digits sent as RFC 4733 events are not in the audio, yet the PCI flag finds the call.
    const token = await vox.token('admin');
    const flagged = await vox.call(
      'GET',
      `/api/v2/recordings?pciLeak=true&connId=${recording.connId}`,
      undefined,
      token,
    );
    expect(recordingListSchema.parse(flagged.body).recordings.map((r) => r.id)).toEqual([recording.id]);

    // The call ladder is the real dialogue with the SRC.
    const ladder = callLadderSchema.parse(
      (await vox.call('GET', `/api/v2/recordings/${recording.id}/ladder`, undefined, token)).body,
    );
    const summaries = ladder.messages.map((m) => m.summary);
    expect(summaries[0]).toMatch(/^INVITE sip:/);
    expect(summaries).toContainEqual(expect.stringMatching(/^SIP\/2\.0 200 OK/));
    expect(summaries).toContainEqual(expect.stringMatching(/^ACK /));
    expect(summaries.at(-2)).toMatch(/^BYE /);
    expect(ladder.messages[0]!.text).toContain('a=label:1');
  });
});

describe('SIPREC sessions from SIPp', () => {
  it('a pause re-INVITE leaves silence in the file and a pause of its length in the metadata', async () => {
    const customerNumber = '+4930111003';
    const pcap = await capture('before', tone(500, 1500), tone(1000, 1500));
    const pcap2 = await capture('after', tone(700, 1500), tone(1300, 1500), undefined, true);
    await play({
      scenario: path.join(scenarios, 'siprec-pause.xml'),
      transport: 'udp',
      keys: {
        customer_number: customerNumber,
        agent_dn: '7002',
        pcap,
        pcap2,
        talk_ms: '1700',
        pause_ms: '2000',
        talk2_ms: '1700',
      },
    });
    const recording = await recordingOf(customerNumber);
    const mp3 = recording.mediaFiles.find((m) => m.type === 'audio/mp3')!;
    expect(mp3.pauses).toHaveLength(1);
    const [pause] = mp3.pauses;
    // As long as the SRC kept its streams inactive: from its pausing re-INVITE to its resuming one
    // (SIPp waits pause_ms between them, more when the machine is busy).
    const ladder = callLadderSchema.parse(
      (await vox.call('GET', `/api/v2/recordings/${recording.id}/ladder`, undefined, await vox.token('admin'))).body,
    );
    const reinvites = ladder.messages.filter((m) => /^INVITE /.test(m.summary) && m.from.startsWith('SRC')).slice(1);
    expect(reinvites).toHaveLength(2);
    const inactiveMs = Date.parse(reinvites[1]!.at) - Date.parse(reinvites[0]!.at);
    expect(pause!.duration).toBeGreaterThan(2000 - 300);
    expect(Math.abs(pause!.duration - inactiveMs)).toBeLessThan(100);
    const events = recording.eventHistory.map((e) => e.event);
    expect(events.indexOf('RecordingPaused')).toBeGreaterThan(events.indexOf('RecordingStarted'));
    expect(events.indexOf('RecordingResumed')).toBeGreaterThan(events.indexOf('RecordingPaused'));

    const audio = await decodedMp3(recording);
    expect(audio.rms(0, pause!.offset + 100, pause!.offset + pause!.duration - 100)).toBeLessThan(0.005);
    expect(audio.rms(1, pause!.offset + 100, pause!.offset + pause!.duration - 100)).toBeLessThan(0.005);
    // Both stretches of speech are there, before and after.
    const resumedAt = onsetMs(audio, 1, pause!.offset + pause!.duration - 100);
    expect(audio.rms(1, pause!.offset - 900, pause!.offset - 300)).toBeGreaterThan(0.1);
    expect(audio.rms(1, resumedAt + 100, resumedAt + 1000)).toBeGreaterThan(0.1);
  });

  it('puts stream 1 on the left when no participant is a DN of the tenant', async () => {
    const customerNumber = '+4930111005';
    // Label 1 (500 Hz) from 0.3 s, label 2 (1 kHz) from 1.3 s; both at a 30 ms ptime. (A call's
    // first 138 ms at 8 kHz fall inside the MP3 encoder's delay: nothing starts there.)
    const file = path.join(dir, 'unknown-agent.pcap');
    await fs.writeFile(
      file,
      rtpPcap([
        { audio: toneBetween(500, 300, 2000, 2000), codec: 'PCMU', dstPort: 6000, ptimeMs: 30 },
        { audio: toneBetween(1000, 1300, 2000, 2000), codec: 'PCMU', dstPort: 6002, ptimeMs: 30 },
      ]),
    );
    await play({
      scenario: path.join(scenarios, 'siprec-call.xml'),
      transport: 'udp',
      keys: { customer_number: customerNumber, agent_dn: '4711', pcap: file, talk_ms: '2300' },
    });
    const recording = await recordingOf(customerNumber);
    expect(recording.agentId).toBeUndefined();
    expect(recording.parties.map((p) => p.role)).toEqual(['customer']);
    const audio = await decodedMp3(recording);
    // Label 1 on the left, label 2 a second later on the right (this test is about the channels;
    // the timing is checked closely above).
    const leftStart = onsetMs(audio, 0);
    expect(onsetMs(audio, 1) - leftStart).toBeGreaterThan(1000 - 100);
    expect(onsetMs(audio, 1) - leftStart).toBeLessThan(1000 + 100);
  });

  it('an SRC that dies without a BYE ends its recording as interrupted after the RTP timeout', async () => {
    const customerNumber = '+4930111004';
    const pcap = await capture('dies', tone(500, 1000), tone(1000, 1000));
    await play({
      scenario: path.join(scenarios, 'siprec-no-bye.xml'),
      transport: 'udp',
      keys: { customer_number: customerNumber, agent_dn: '7001', pcap, talk_ms: '1200' },
    });
    const recording = await recordingOf(customerNumber, (rtpTimeoutS + 10) * 1000);
    expect(recording.attachedData['vox.interrupted']).toBe('rtp-timeout');
    const stopped = recording.eventHistory.find((e) => e.event === 'RecordingStopped');
    expect(stopped?.detail).toMatch(/interrupted/);
  });

  it('OPTIONS is answered, and a malformed INVITE gets a 4xx and changes nothing', async () => {
    const token = await vox.token('admin');
    const count = async () =>
      recordingListSchema.parse((await vox.call('GET', '/api/v2/recordings?limit=100', undefined, token)).body)
        .recordings.length;
    const before = await count();
    await play({ scenario: path.join(scenarios, 'sip-options.xml'), transport: 'udp' });
    await play({ scenario: path.join(scenarios, 'siprec-malformed.xml'), transport: 'udp' });
    await play({ scenario: path.join(scenarios, 'sip-options.xml'), transport: 'tcp' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await count()).toBe(before);
  });
});
