import type pg from 'pg';
import type { Logger } from 'pino';
import type { MediaVault } from '../crypto/media-vault.ts';
import { analyseAnalyticsWav } from './speech-analytics.ts';

interface AnalysisJob {
  recordingId: string;
  mediaId: string;
  storagePath: string;
}

/**
 * The analytics step (GIR: SpeechMiner's Interaction Receiver): in recording-and-analytics mode
 * each stored WAV G.711 is decrypted, analysed (talk per channel, silence, overtalk, longest
 * silence, DTMF heard) and the figures stored with the recording, searchable. One at a time;
 * what was stored while the backend was down is analysed at the next start.
 */
export class InteractionReceiver {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly vault: MediaVault,
    private readonly log: Logger,
  ) {}

  enqueue(job: AnalysisJob): void {
    this.queue = this.queue
      .then(() => this.analyse(job))
      .catch((error: unknown) =>
        this.log.error({ err: error }, `analytics of ${job.recordingId}/${job.mediaId} failed`),
      );
  }

  /** Queues the WAVs that have no analytics yet. */
  async resumeWaiting(): Promise<void> {
    const waiting = await this.pool.query<{ recording_id: string; media_id: string; storage_path: string }>(
      `SELECT m.recording_id, m.media_id, m.storage_path FROM media_files m
        WHERE m.type = 'audio/wav'
          AND NOT EXISTS (SELECT 1 FROM recording_analytics a WHERE a.recording_id = m.recording_id)`,
    );
    for (const row of waiting.rows) {
      this.enqueue({ recordingId: row.recording_id, mediaId: row.media_id, storagePath: row.storage_path });
    }
  }

  idle(): Promise<void> {
    return this.queue;
  }

  private async analyse(job: AnalysisJob): Promise<void> {
    // Streamed: decrypted and analysed piece by piece, never held whole.
    const media = await this.vault.open(job.storagePath);
    const figures = await analyseAnalyticsWav(await media.read());
    await this.pool.query(
      `INSERT INTO recording_analytics (recording_id, media_id, agent_talk_ms, customer_talk_ms, silence_ms,
         overtalk_ms, longest_silence_ms, dtmf_digits)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (recording_id) DO UPDATE SET media_id = EXCLUDED.media_id,
         agent_talk_ms = EXCLUDED.agent_talk_ms, customer_talk_ms = EXCLUDED.customer_talk_ms,
         silence_ms = EXCLUDED.silence_ms, overtalk_ms = EXCLUDED.overtalk_ms,
         longest_silence_ms = EXCLUDED.longest_silence_ms, dtmf_digits = EXCLUDED.dtmf_digits, analysed_at = now()`,
      [
        job.recordingId,
        job.mediaId,
        figures.agentTalkMs,
        figures.customerTalkMs,
        figures.silenceMs,
        figures.overtalkMs,
        figures.longestSilenceMs,
        figures.dtmfDigits,
      ],
    );
    // RFC 4733 digits of a SIPREC call are not in the audio: they count all the same.
    await this.pool.query(
      'UPDATE recordings SET pci_leak = ($2 OR rfc4733_digits > 0), overtalk_ms = $3 WHERE id = $1',
      [job.recordingId, figures.dtmfDigits > 0, figures.overtalkMs],
    );
  }
}
