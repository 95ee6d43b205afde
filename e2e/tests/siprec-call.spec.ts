import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { rtpPcap, tone } from '../../apps/backend/src/test-support/rtp-pcap.ts';
import { runSipp } from '../../apps/backend/src/test-support/sipp.ts';
import { logInAt } from '../support/login-page.ts';
import { videoTimeline } from '../support/media-probe.ts';
import { openSupervisor, resultIds, searchWith } from '../support/supervisor-page.ts';
import { VoxApi } from '../support/vox-api.ts';

const scenario = path.resolve(import.meta.dirname, '../../apps/backend/src/telephony/siprec/sipp/siprec-call.xml');
const customerNumber = '+4930555001';

test('a real RTP call forked by an SRC (SIPp) to 7001 is recorded with agent1’s screen, and plays in the supervisor view', async ({
  browser,
  request,
}) => {
  test.setTimeout(150_000);
  const admin = await VoxApi.login(request, 'admin', 'admin-demo');
  const agent = await logInAt(browser, '/agent', 'agent1');
  await expect(agent.getByTestId('connection')).toHaveText('online');

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-e2e-siprec-'));
  try {
    // Eight seconds of two tones: the customer on label 1, the agent on label 2.
    const pcap = path.join(dir, 'call.pcap');
    await fs.writeFile(
      pcap,
      rtpPcap([
        { audio: tone(500, 8000), codec: 'PCMA', dstPort: 6000 },
        { audio: tone(1000, 8000), codec: 'PCMA', dstPort: 6002 },
      ]),
    );
    const sipp = runSipp({
      scenario,
      target: `127.0.0.1:${process.env.VOX_E2E_SIP_PORT}`,
      transport: 'udp',
      keys: { customer_number: customerNumber, agent_dn: '7001', pcap, talk_ms: '8200', codec: 'PCMA', codec_pt: '8' },
      timeoutMs: 40_000,
    });

    // The agent's desktop sees the call and records its screen while the SRC's streams are recorded.
    await expect(agent.getByTestId('screen-state')).toHaveAttribute('data-state', 'recording', { timeout: 15_000 });
    await expect(agent.getByTestId('call')).toContainText(customerNumber);
    // The call is controlled on the phone, not from the desktop.
    await expect(agent.getByTestId('siprec-note')).toBeVisible();
    await expect(agent.getByTestId('call').getByRole('button', { name: 'Release' })).toHaveCount(0);
    const calls = await admin.callsOf('7001');
    const siprecCall = calls.find((c) => c.origin === 'siprec');
    const recordingId = siprecCall?.recording.recordingId;
    if (!recordingId) throw new Error(`no SIPREC call on 7001: ${JSON.stringify(calls)}`);

    const result = await sipp;
    expect(result.exitCode, result.errors).toBe(0);
    await expect(agent.getByTestId('screen-state')).toHaveAttribute('data-state', 'idle');
    const recording = await admin.recordingWithScreens(recordingId, 1, 60_000);
    expect(recording.origin).toBe('siprec');
    expect(recording.callerPhoneNumber).toBe(customerNumber);
    expect(recording.agentId).toBe('agent1');
    expect(recording.attachedData['siprec.agent.rtp']).toMatch(/^PCMA \d{3} packets, 0 lost, 0 late/);
    expect(recording.attachedData['siprec.customer.rtp']).toMatch(/^PCMA \d{3} packets, 0 lost, 0 late/);

    // The muxed screen recording starts with the voice and runs for the length of the call.
    const screen = recording.screenRecordings[0]!;
    const muxed = path.join(dir, 'muxed.webm');
    await fs.writeFile(muxed, await admin.media(recording.id, screen.mediaId));
    const timeline = await videoTimeline(muxed);
    expect(timeline.firstFrame).toBeLessThan(2);
    expect(timeline.lastFrame).toBeGreaterThan(6);

    // The supervisor finds it and plays voice and screen together.
    const supervisor = await openSupervisor(browser, 'supervisor1');
    await searchWith(supervisor, { 'Caller number': customerNumber });
    await expect.poll(() => resultIds(supervisor)).toContain(recording.id);
    await supervisor.locator(`tr[data-recording-id="${recording.id}"]`).click();
    await expect(supervisor.getByRole('region', { name: 'Player' })).toBeVisible();
    await expect(supervisor.getByTestId('recording-origin')).toContainText('SIPREC');
    await supervisor.getByTestId('play-toggle').click();
    await expect
      .poll(() =>
        supervisor.evaluate(() => {
          const audio = document.querySelector('[data-testid="voice-player"]') as HTMLAudioElement;
          const video = document.querySelector('[data-testid="screen-player"]') as HTMLVideoElement;
          return Math.min(audio.currentTime, video.currentTime);
        }),
      )
      .toBeGreaterThan(1);
    await supervisor.context().close();
  } finally {
    await agent.context().close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
