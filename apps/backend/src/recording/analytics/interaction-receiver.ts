import type pg from 'pg';
import { z } from 'zod';
import type { JobQueue, JobQueueDefinition } from '../../platform/jobs/job-queue.ts';
import type { MediaVault } from '../crypto/media-vault.ts';
import { analyseAnalyticsWav } from './speech-analytics.ts';

const analysisJobSchema = z.object({ recordingId: z.string(), mediaId: z.string(), storagePath: z.string() });
type AnalysisJob = z.infer<typeof analysisJobSchema>;

/** A stored WAV analysed; a file storage cannot give now is tried again with the queue's backoff. */
export const analyseInteractionJob: JobQueueDefinition<AnalysisJob> = {
  name: 'analyse-interaction',
  data: analysisJobSchema,
  retryLimit: 8,
  expireInSeconds: 30 * 60,
  concurrency: 1,
  subject: (job) => `${job.recordingId}/${job.mediaId}`,
  dedupeByKey: true,
};

/**
 * The analytics step (GIR: SpeechMiner's Interaction Receiver): in recording-and-analytics mode
 * each stored WAV G.711 is decrypted, analysed (talk per channel, silence, overtalk, longest
 * silence, DTMF heard) and the figures stored with the recording, searchable. One at a time per
 * backend; each WAV is a job, so what was stored while the backend was down is analysed anyway.
 */
export class InteractionReceiver {
  constructor(
    private readonly pool: pg.Pool,
    private readonly vault: MediaVault,
    private readonly jobs: JobQueue,
  ) {}

  enqueue(job: AnalysisJob): Promise<string | undefined> {
    return this.jobs.send(analyseInteractionJob, job, { key: `${job.recordingId}/${job.mediaId}` });
  }

  /** Starts this backend's analyses, and queues the WAVs an older Vox stored without analysing them. */
  async start(): Promise<void> {
    await this.jobs.work(analyseInteractionJob, (job) => this.analyse(job));
    const waiting = await this.pool.query<{ recording_id: string; media_id: string; storage_path: string }>(
      `SELECT m.recording_id, m.media_id, m.storage_path FROM media_files m
        WHERE m.type = 'audio/wav'
          AND NOT EXISTS (SELECT 1 FROM recording_analytics a WHERE a.recording_id = m.recording_id)`,
    );
    for (const row of waiting.rows) {
      const key = `${row.recording_id}/${row.media_id}`;
      if (await this.jobs.hasOpen(analyseInteractionJob, key)) continue;
      await this.enqueue({ recordingId: row.recording_id, mediaId: row.media_id, storagePath: row.storage_path });
    }
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
