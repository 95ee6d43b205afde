import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { z } from 'zod';
import { errorMessage } from '@vox/shared';
import type { Logger } from 'pino';
import { withTransaction } from '../../platform/db/transaction.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import { localInput, probeMedia, runFfmpeg } from '../../platform/media/ffmpeg.ts';
import { assertWebm } from './webm-signature.ts';
import { storagePathFor } from '../recordings/media-file-name.ts';
import type { MediaVault } from '../crypto/media-vault.ts';
import { StorageError, type StoredObject } from '../storage/media-storage.ts';
import type { StorageOutbox } from '../storage/storage-outbox.ts';
import type { JobQueue, JobQueueDefinition } from '../../platform/jobs/job-queue.ts';

interface WaitingUpload {
  upload_id: string;
  conn_id: string;
  recording_id: string | null;
  /** the uploading agent's DN and group: who recorded this screen */
  uploader_dn: string | null;
  uploader_group: string | null;
  started_at: Date;
  file_path: string;
  /** cut short on the agent's PC: the encrypted file has no closing chunk */
  interrupted: 'crash' | 'disk_full' | null;
}

/** What the outbox keeps with a muxed screen recording until storage has it. */
interface ScreenStored {
  mediaId: string;
  recordingId: string;
  uploadId: string;
  uploadFile: string;
  startTime: string;
  durationMs: number;
  /** plaintext bytes */
  size: number;
  thumbnailId: string;
  thumbnailPath: string;
  uploaderDn: string;
  uploaderGroup: string | undefined;
}

interface VoiceMedia {
  recording_id: string;
  media_id: string;
  start_time: Date;
  stop_time: Date;
  storage_path: string;
}

const muxScreenJobSchema = z.object({ connId: z.string() });

/**
 * The uploaded screen recordings of one call, muxed with its voice file. One at a time per backend
 * (ffmpeg is the expensive part). A run stopped by storage (the voice file cannot be read) is
 * retried with the job queue's backoff; twelve runs cover an outage of an hour and more.
 */
export const muxScreenJob: JobQueueDefinition<z.infer<typeof muxScreenJobSchema>> = {
  name: 'mux-screen',
  data: muxScreenJobSchema,
  retryLimit: 12,
  // The longest mux allowed (an 8-hour shift: 4 h), and then some: a killed backend's mux moves after this.
  expireInSeconds: 5 * 3600,
  concurrency: 1,
  subject: (job) => `call ${job.connId}`,
  dedupeByKey: true,
};

/**
 * Joins a finished screen upload with the call audio on the voice timeline: the video is copied,
 * shifted by the gap between the voice recording's start and the first captured frame, the audio
 * is encoded to Opus, and a thumbnail is cut. An upload that arrives before its voice file is
 * stored waits and is muxed when `RecordingStored` comes.
 */
export class ScreenMuxer {
  constructor(
    private readonly pool: pg.Pool,
    private readonly vault: MediaVault,
    private readonly outbox: StorageOutbox,
    private readonly jobs: JobQueue,
    private readonly bus: EventBus,
    private readonly workDir: string,
    private readonly log: Logger,
  ) {
    outbox.onStored('screen', (stored, metadata) => this.screenStored(stored, metadata as ScreenStored));
  }

  /** Starts this backend's muxing, and queues what waited when the backend (or an older Vox) stopped. */
  async start(): Promise<void> {
    await this.jobs.work(muxScreenJob, ({ connId }) => this.processWaiting(connId));
    const waiting = await this.pool.query<{ conn_id: string }>(
      "SELECT DISTINCT conn_id FROM screen_uploads WHERE state = 'waiting_for_voice'",
    );
    for (const row of waiting.rows) await this.processCall(row.conn_id);
  }

  /**
   * A voice file of the call is stored: its waiting uploads can be muxed now. Most recordings have
   * no screen upload waiting (it comes later, or never): those queue no job.
   */
  async voiceStored(connId: string): Promise<void> {
    const waiting = await this.pool.query(
      "SELECT 1 FROM screen_uploads WHERE conn_id = $1 AND state = 'waiting_for_voice' LIMIT 1",
      [connId],
    );
    if (waiting.rowCount) await this.processCall(connId);
  }

  /** Queues a mux of the call's waiting uploads (a call already queued is not queued twice). */
  async processCall(connId: string): Promise<void> {
    await this.jobs.send(muxScreenJob, { connId }, { key: connId });
  }

  /** Finished uploads not muxed yet: waiting for their voice file, or muxed and being stored. */
  async backlog(): Promise<{ waitingForVoice: number; storing: number }> {
    const result = await this.pool.query<{ state: string; uploads: string }>(
      `SELECT state, count(*) AS uploads FROM screen_uploads
        WHERE state IN ('waiting_for_voice', 'storing') GROUP BY state`,
    );
    const count = (state: string) => Number(result.rows.find((row) => row.state === state)?.uploads ?? 0);
    return { waitingForVoice: count('waiting_for_voice'), storing: count('storing') };
  }

  private async processWaiting(connId: string): Promise<void> {
    const waiting = await this.pool.query<WaitingUpload>(
      `SELECT s.*, u.dn AS uploader_dn, u.group_name AS uploader_group
         FROM screen_uploads s JOIN users u ON u.id = s.uploaded_by
        WHERE s.conn_id = $1 AND s.state = 'waiting_for_voice' ORDER BY s.created_at`,
      [connId],
    );
    let storageDown: StorageError | undefined;
    for (const upload of waiting.rows) {
      const voice = await this.voiceFor(upload);
      if (!voice) continue;
      try {
        await this.mux(upload, voice);
      } catch (error) {
        if (error instanceof StorageError) {
          // Storage cannot give the voice audio now: the upload waits, the job is retried.
          storageDown = error;
          continue;
        }
        await this.pool.query("UPDATE screen_uploads SET state = 'failed', failure = $2 WHERE upload_id = $1", [
          upload.upload_id,
          errorMessage(error).slice(0, 1000),
        ]);
        this.log.error({ err: error }, `screen upload ${upload.upload_id} could not be muxed`);
      }
    }
    if (storageDown) throw storageDown;
  }

  /**
   * The voice file the screen recording lies on: the one whose span holds the screen's first
   * frame (a call's recording has several when it was stopped and started again, or moved to
   * another MCP). A screen that starts before any voice does goes with the first file. Undefined
   * while the file it needs is not stored yet: `RecordingStored` brings the upload back.
   */
  private async voiceFor(upload: WaitingUpload): Promise<VoiceMedia | undefined> {
    const result = await this.pool.query<VoiceMedia>(
      `SELECT m.recording_id, m.media_id, m.start_time, m.stop_time, m.storage_path
         FROM media_files m JOIN recordings r ON r.id = m.recording_id
        WHERE r.conn_id = $1 AND ($2::text IS NULL OR r.id = $2) AND m.type = 'audio/mp3'
        ORDER BY m.start_time`,
      [upload.conn_id, upload.recording_id],
    );
    const screenStart = upload.started_at.getTime();
    // The desktop hears RecordingStarted a moment after the MCP starts; a second of slack.
    const covering = result.rows.filter(
      (m) => m.start_time.getTime() <= screenStart + 1000 && m.stop_time.getTime() >= screenStart,
    );
    const first = result.rows[0];
    return covering.at(-1) ?? (first && first.start_time.getTime() > screenStart ? first : undefined);
  }

  private async mux(upload: WaitingUpload, voice: VoiceMedia): Promise<void> {
    const job = path.join(this.workDir, upload.upload_id);
    await fs.mkdir(job, { recursive: true });
    try {
      // The desktop encrypts what it uploads; ffmpeg needs the plain WebM.
      const screenFile = path.join(job, 'screen.webm');
      await this.vault.decryptUpload(upload.file_path, screenFile, { cutShort: upload.interrupted !== null });
      await assertWebm(screenFile);
      const screenProbe = await probeMedia(screenFile, 'matroska');
      if (!screenProbe.streams.some((s) => s.kind === 'video')) {
        throw new Error('the uploaded screen recording has no video stream');
      }
      const voiceFile = path.join(job, 'voice.mp3');
      await this.vault.copyToFile(voice.storage_path, voiceFile);
      const offsetSeconds = (upload.started_at.getTime() - voice.start_time.getTime()) / 1000;
      const screenInput =
        offsetSeconds >= 0
          ? ['-itsoffset', offsetSeconds.toFixed(3), ...localInput(screenFile, 'matroska')]
          : ['-ss', (-offsetSeconds).toFixed(3), ...localInput(screenFile, 'matroska')];
      const muxed = path.join(job, 'muxed.webm');
      // Copying the video and encoding the call's audio takes a fraction of the call's length: a
      // mux that runs far longer is stuck on a crafted file and is stopped, so others get their turn.
      const timeoutMs = muxTimeLimitMs(voice.stop_time.getTime() - voice.start_time.getTime());
      await runFfmpeg(
        [
          ...screenInput,
          ...localInput(voiceFile, 'mp3'),
          '-map',
          '0:v:0',
          '-map',
          '1:a:0',
          '-c:v',
          'copy',
          '-c:a',
          'libopus',
          '-b:a',
          '32k',
          '-f',
          'webm',
          '-y',
          muxed,
        ],
        { timeoutMs },
      );
      const probe = await probeMedia(muxed, 'matroska');
      const durationMs = probe.durationMs ?? 0;
      const thumbnail = path.join(job, 'thumbnail.jpg');
      await this.cutThumbnail(screenFile, thumbnail);
      const base = voice.media_id.replace(/\.mp3$/, '');
      const mediaId = `${base}-screen-${upload.upload_id.slice(0, 8)}.webm`;
      const thumbnailId = `${base}-screen-${upload.upload_id.slice(0, 8)}.jpg`;
      // Encrypted before it leaves this process, like every media file; kept outside the job's
      // folder until storage has it, as the outbox may have to retry.
      const pending = path.join(this.workDir, 'pending');
      await fs.mkdir(pending, { recursive: true });
      const sealedVideo = path.join(pending, `${upload.upload_id}.webm`);
      const sealedThumbnail = path.join(pending, `${upload.upload_id}.jpg`);
      await this.vault.encryptFile(muxed, sealedVideo);
      await this.vault.encryptFile(thumbnail, sealedThumbnail);
      const thumbnailPath = storagePathFor(thumbnailId, voice.start_time);
      await this.outbox.deliver('screen-thumbnail', thumbnailPath, sealedThumbnail, {});
      const stored: ScreenStored = {
        mediaId,
        recordingId: voice.recording_id,
        uploadId: upload.upload_id,
        uploadFile: upload.file_path,
        startTime: voice.start_time.toISOString(),
        durationMs,
        size: (await fs.stat(muxed)).size,
        thumbnailId,
        thumbnailPath,
        uploaderDn: upload.uploader_dn ?? '',
        uploaderGroup: upload.uploader_group ?? undefined,
      };
      // Not muxed again while the outbox stores it; the outbox's handler marks it muxed.
      await this.pool.query("UPDATE screen_uploads SET state = 'storing' WHERE upload_id = $1", [upload.upload_id]);
      await this.outbox.deliver('screen', storagePathFor(mediaId, voice.start_time), sealedVideo, stored);
    } finally {
      await fs.rm(job, { recursive: true, force: true });
    }
  }

  /**
   * A still from a second into the screen recording; a recording shorter than that (MediaRecorder
   * writes no duration to tell) gets its first frame instead.
   */
  private async cutThumbnail(screenFile: string, thumbnail: string): Promise<void> {
    const still = ['-frames:v', '1', '-vf', 'scale=320:-1', '-q:v', '3', '-y', thumbnail];
    try {
      await runFfmpeg(['-ss', '1', ...localInput(screenFile, 'matroska'), ...still], { timeoutMs: thumbnailLimitMs });
      await fs.access(thumbnail);
    } catch {
      await runFfmpeg([...localInput(screenFile, 'matroska'), ...still], { timeoutMs: thumbnailLimitMs });
    }
  }

  /** Storage has the muxed file: the recording gets its screen recording, the agent is told. */
  private async screenStored(object: StoredObject, stored: ScreenStored): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO screen_recordings (media_id, recording_id, upload_id, type, start_time, duration_ms, size,
           sha256, storage_path, thumbnail_media_id, thumbnail_storage_path)
         VALUES ($1,$2,$3,'video/webm',$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (upload_id) DO NOTHING`,
        [
          stored.mediaId,
          stored.recordingId,
          stored.uploadId,
          stored.startTime,
          stored.durationMs,
          stored.size,
          object.sha256,
          object.path,
          stored.thumbnailId,
          stored.thumbnailPath,
        ],
      );
      await client.query('UPDATE recordings SET has_screen = true WHERE id = $1', [stored.recordingId]);
      await client.query("UPDATE screen_uploads SET state = 'muxed', recording_id = $2 WHERE upload_id = $1", [
        stored.uploadId,
        stored.recordingId,
      ]);
    });
    await fs.rm(stored.uploadFile, { force: true });
    this.bus.emit(
      'screenRecordingStored',
      { recordingId: stored.recordingId, mediaId: stored.mediaId, at: new Date().toISOString() },
      stored.uploaderDn,
      stored.uploaderGroup,
    );
  }
}

/** A still takes well under a second to cut. */
const thumbnailLimitMs = 30_000;

/** How long one mux may take: a minute, and half the voice file's length (an 8-hour shift: 4 h). */
export function muxTimeLimitMs(voiceMs: number): number {
  return 60_000 + Math.max(0, voiceMs) / 2;
}
