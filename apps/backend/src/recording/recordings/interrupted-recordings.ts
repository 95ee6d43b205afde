import fs from 'node:fs/promises';
import type { Logger } from 'pino';
import type { TraceMessage, VoiceInterruption } from '@vox/shared';
import type { CallDetails, CallDetailsStore } from '../call-details/call-details.ts';
import { ChunkDecryptor, ChunkEncryptor, decodeHeader, mediaCipherMagic, resealFile } from '../crypto/media-cipher.ts';
import type { TenantKeystore } from '../crypto/tenant-keystore.ts';
import { mediaFormats, type CapturedMedia, type MediaFormat } from '../../platform/media/capture-engine.ts';
import { wavHeader, wavHeaderBytes } from '../../platform/media/g711-wav.ts';
import { voiceFileDelivery } from './voice-file-metadata.ts';
import type { StorageOutbox } from '../storage/storage-outbox.ts';
import {
  readJournal,
  RecordingJournal,
  type RecordingJournalEntry,
  type RecordingJournals,
} from './recording-journal.ts';

const interruptionNotes: Record<VoiceInterruption, string> = {
  crash: 'the backend stopped while recording; the file was recovered up to the last audio that reached the disk',
  media_failure:
    'the media worker recording it failed; the file was recovered up to the last audio that reached the disk',
  disk_full: 'the data directory was full; the recording stopped there',
};

/** How long the audio in `bytes` of a file of `format` plays, in ms. */
function playedMs(format: MediaFormat, bytes: number): number {
  const spec = mediaFormats[format];
  if (format === 'wav-g711-ulaw') {
    return Math.floor(Math.max(0, bytes - wavHeaderBytes) / ((spec.sampleRate * spec.channels) / 1000));
  }
  // Constant bit rate: kbit/s is bits per ms.
  return Math.floor((bytes * 8) / spec.bitrateKbps);
}

/** The journal's pauses within the first `durationMs` of the files, as metadata gives them. */
function pausesWithin(entry: RecordingJournalEntry, durationMs: number): Array<{ offset: number; duration: number }> {
  return entry.pauses
    .map((p) => ({
      offset: Math.max(0, p.from - entry.startTime),
      end: Math.min(durationMs, (p.to ?? Number.POSITIVE_INFINITY) - entry.startTime),
    }))
    .filter((p) => p.offset < durationMs && p.end > p.offset)
    .map((p) => ({ offset: Math.round(p.offset), duration: Math.round(p.end - p.offset) }));
}

/**
 * Recordings that no running capture owns any more, finished into stored recordings: after a crash
 * (at startup), after a media worker died, or when the database was down as their files were
 * finished. A file cut short is closed at its last whole encrypted chunk (a WAV gets its real
 * sizes), sealed anew as a complete file, and stored with its metadata marked interrupted; the
 * call details the journal kept are merged as usual. Each file is queued once: the journal says
 * which already are, and is removed once all are.
 */
export class InterruptedRecordings {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly deps: {
      journals: RecordingJournals;
      keystore: TenantKeystore | undefined;
      callDetails: CallDetailsStore;
      outbox: StorageOutbox;
      /** keeps a call's ladder (replacing one kept before) */
      keepLadder: (connId: string, callUuid: string, messages: TraceMessage[]) => void;
      log: Logger;
    },
  ) {}

  /**
   * Finishes every orphaned journal now, then every `everyMs` (a worker failure or a database
   * outage leaves one while the backend runs). `reason` is what an unfinished one is marked with
   * on this first pass: at startup, a crash.
   */
  start(everyMs = 5000): Promise<number> {
    const first = this.recoverAll('crash');
    this.timer ??= setInterval(() => void this.recoverAll('media_failure'), everyMs);
    this.timer.unref();
    return first;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running.catch(() => 0);
  }

  /** Finishes the orphaned journals one at a time; resolves with how many were stored. */
  recoverAll(reason: VoiceInterruption): Promise<number> {
    this.running = this.running
      .catch(() => 0)
      .then(async () => {
        let stored = 0;
        for (const file of await this.deps.journals.orphans()) {
          try {
            if (await this.recover(file, reason)) stored++;
          } catch (error) {
            this.deps.log.warn({ err: error }, `recording journal ${file}: not finished yet, tried again later`);
          }
        }
        return stored;
      });
    return this.running;
  }

  private async recover(file: string, reason: VoiceInterruption): Promise<boolean> {
    const entry = await readJournal(file, this.deps.log);
    if (!entry) {
      await fs.rename(file, `${file}.unreadable`);
      return false;
    }
    const journal = new RecordingJournal(file, entry, this.deps.log);
    if (!entry.captured) {
      const captured = await this.closeFiles(entry, entry.interrupted ?? reason);
      if (!captured) {
        this.deps.log.warn(`recording ${entry.recordingId}: no audio reached the disk before it was interrupted`);
        await this.discard(entry, journal);
        return false;
      }
      journal.captured(captured);
      await journal.flushed();
      const minutes = (captured.durationMs / 60_000).toFixed(1);
      this.deps.log.info(
        `recording ${entry.recordingId} (call ${entry.call.connId}) recovered: ${minutes} min, ${interruptionNotes[captured.interrupted ?? reason]}`,
      );
    }
    this.restoreCallDetails(entry);
    // The ladder as far as the journal kept it; a call that ended normally keeps its whole one.
    if (entry.captured?.interrupted === 'crash' && entry.ladder) {
      this.deps.keepLadder(entry.call.connId, entry.call.callUuid, entry.ladder);
    }
    await this.queueFiles(entry, journal);
    await journal.remove();
    return true;
  }

  /** Closes each output at what reached the disk; undefined when nothing did. */
  private async closeFiles(
    entry: RecordingJournalEntry,
    interrupted: VoiceInterruption,
  ): Promise<NonNullable<RecordingJournalEntry['captured']> | undefined> {
    const outputs: Array<{ path: string; size: number; durationMs: number }> = [];
    for (const output of entry.outputs) {
      const closed = await this.closeFile(output.path, output.format);
      if (closed)
        outputs.push({ path: closed.path, size: closed.bytes, durationMs: playedMs(output.format, closed.bytes) });
    }
    // The first output (the MP3 played back) says how long the recording is.
    const durationMs = outputs[0]?.durationMs ?? 0;
    if (durationMs === 0) return undefined;
    return { durationMs, pauses: pausesWithin(entry, durationMs), outputs, interrupted };
  }

  /**
   * A file whose writer died, as a complete file beside it (`.recovered`); the original stays until
   * the journal says so, so a crash in the middle of this starts it again from the same bytes.
   */
  private async closeFile(file: string, format: MediaFormat): Promise<{ path: string; bytes: number } | undefined> {
    let size: number;
    try {
      size = (await fs.stat(file)).size;
    } catch {
      return undefined;
    }
    const probe = Buffer.alloc(Math.min(size, 4096));
    const handle = await fs.open(file, 'r');
    try {
      await handle.read(probe, 0, probe.length, 0);
    } finally {
      await handle.close();
    }
    const wav = format === 'wav-g711-ulaw';
    const recovered = `${file}.recovered`;
    if (!probe.subarray(0, mediaCipherMagic.length).equals(mediaCipherMagic)) {
      await fs.copyFile(file, recovered);
      if (wav && size >= wavHeaderBytes) {
        const out = await fs.open(recovered, 'r+');
        try {
          await out.write(wavHeader(size - wavHeaderBytes), 0, wavHeaderBytes, 0);
        } finally {
          await out.close();
        }
      }
      return size > (wav ? wavHeaderBytes : 0) ? { path: recovered, bytes: size } : undefined;
    }
    const keystore = this.deps.keystore;
    if (!keystore) throw new Error(`${file} is encrypted, but this backend has no keystore to recover it with`);
    const { header, headerBytes } = decodeHeader(probe);
    const key = keystore.unwrap(header.keyId, Buffer.from(header.wrappedKey, 'base64'));
    const decryptor = new ChunkDecryptor(header, headerBytes, key, size, true);
    if (decryptor.plaintextSize <= (wav ? wavHeaderBytes : 0)) return undefined;
    const encryptor = new ChunkEncryptor(keystore.currentKeyId, keystore.currentPublicKey);
    const bytes = decryptor.plaintextSize;
    resealFile(file, recovered, decryptor, encryptor, (plaintext, index) => {
      if (wav && index === 0) wavHeader(bytes - wavHeaderBytes).copy(plaintext, 0);
    });
    return { path: recovered, bytes };
  }

  /**
   * The call details the journal kept, for the Recording Processor to merge (this process never
   * saw the call), with a line in the event history saying what happened.
   */
  private restoreCallDetails(entry: RecordingJournalEntry): void {
    const captured = entry.captured;
    if (!captured?.interrupted || this.deps.callDetails.get(entry.call.connId)) return;
    const kept = entry.details as CallDetails | undefined;
    const details: CallDetails = {
      connId: entry.call.connId,
      callUuid: entry.call.callUuid,
      ani: kept?.ani ?? entry.call.ani,
      dnis: kept?.dnis ?? entry.call.dnis,
      agentId: kept?.agentId ?? entry.call.agentId,
      agentDn: kept?.agentDn,
      group: kept?.group,
      groups: kept?.groups ?? [],
      agentIds: kept?.agentIds ?? (entry.call.agentId ? [entry.call.agentId] : []),
      parties: kept?.parties ?? [],
      attachedData: kept?.attachedData ?? {},
      eventHistory: [
        ...(kept?.eventHistory ?? []),
        {
          at: new Date(entry.startTime + captured.durationMs).toISOString(),
          event: 'RecordingInterrupted',
          dn: entry.call.recordDn,
          detail: interruptionNotes[captured.interrupted],
        },
      ],
    };
    this.deps.callDetails.put(details);
  }

  private async queueFiles(entry: RecordingJournalEntry, journal: RecordingJournal): Promise<void> {
    const captured = entry.captured!;
    for (const [i, { durationMs = captured.durationMs, ...output }] of captured.outputs.entries()) {
      if (entry.queued.includes(output.path)) continue;
      // Each recovered file as long as what reached the disk of it.
      const media: CapturedMedia = {
        startTime: new Date(entry.startTime),
        stopTime: new Date(entry.startTime + durationMs),
        durationMs,
        pauses: durationMs === captured.durationMs ? captured.pauses : pausesWithin(entry, durationMs),
        outputs: [{ ...output, format: entry.outputs[i]!.format }],
      };
      // Gone: stored and removed by the outbox before the journal could say it was queued.
      if (!(await fs.stat(output.path).catch(() => undefined))) continue;
      const { storagePath, metadata } = voiceFileDelivery(
        { ...entry.call, recordingId: entry.recordingId },
        media,
        media.outputs[0]!,
        {
          mediaSequence: entry.mediaSequence,
          ivrProfile: entry.ivrProfile,
          origin: entry.origin,
          ...(entry.destFolder ? { destFolder: entry.destFolder } : {}),
        },
      );
      if (captured.interrupted) metadata.mediaFile.interrupted = captured.interrupted;
      await this.deps.outbox.deliver('voice', storagePath, output.path, metadata);
      journal.queued(output.path);
      await journal.flushed();
    }
    // The files the recovered ones were made from.
    if (captured.interrupted) {
      for (const output of entry.outputs) await fs.rm(output.path, { force: true });
    }
  }

  private async discard(entry: RecordingJournalEntry, journal: RecordingJournal): Promise<void> {
    for (const output of entry.outputs) {
      await fs.rm(output.path, { force: true });
      await fs.rm(`${output.path}.recovered`, { force: true });
    }
    await journal.remove();
  }
}
