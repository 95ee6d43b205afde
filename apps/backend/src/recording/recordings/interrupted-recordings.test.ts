import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { McpMetadata } from '@vox/shared';
import { CallDetailsStore } from '../call-details/call-details.ts';
import { provisionalWavHeader, wavHeaderBytes } from '../../platform/media/g711-wav.ts';
import type { StorageOutbox } from '../storage/storage-outbox.ts';
import { silentLogger } from '../../test-support/test-logger.ts';
import { InterruptedRecordings } from './interrupted-recordings.ts';
import { RecordingJournals, readJournal, type RecordingJournalEntry } from './recording-journal.ts';

type Delivered = {
  kind: string;
  objectPath: string;
  localFile: string;
  metadata: Omit<McpMetadata, 'storagePath' | 'sha256'>;
};

describe('recordings a crash left unfinished', () => {
  let dir: string;
  let delivered: Delivered[];
  let journals: RecordingJournals;
  let callDetails: CallDetailsStore;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-journal-'));
    delivered = [];
    callDetails = new CallDetailsStore();
    journals = new RecordingJournals(dir, callDetails, () => undefined, silentLogger);
  });

  afterEach(async () => {
    journals.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  function recovery(): InterruptedRecordings {
    const outbox = {
      deliver: async (kind: string, objectPath: string, localFile: string, metadata: unknown) => {
        delivered.push({ kind, objectPath, localFile, metadata: metadata as Delivered['metadata'] });
      },
    } as unknown as StorageOutbox;
    return new InterruptedRecordings({
      journals,
      keystore: undefined,
      callDetails,
      outbox,
      keepLadder: () => undefined,
      log: silentLogger,
    });
  }

  const startTime = Date.parse('2026-12-01T09:00:00Z');
  const entry = (outputs: RecordingJournalEntry['outputs']) => ({
    recordingId: 'rec-1',
    origin: 'simulation' as const,
    writer: 'mcp1',
    mediaSequence: 1,
    ivrProfile: 'vox-mp3-16k-stereo',
    call: { connId: 'conn-1', callUuid: 'uuid-1', recordDn: '7001', ani: '5551234', dnis: '8005550100' },
    startTime,
    outputs,
  });

  it('stores each file as long as what reached the disk, with the pauses inside it, marked as a crash', async () => {
    const mp3 = path.join(dir, 'mcp1-a-1.mp3');
    const wav = path.join(dir, 'mcp1-a-1.wav');
    // 10 s of 16 kbit/s MP3 (20,000 bytes) and 6 s of the WAV (16 bytes a millisecond), unencrypted.
    await fs.writeFile(mp3, Buffer.alloc(20_000, 0xff));
    await fs.writeFile(wav, Buffer.concat([provisionalWavHeader(), Buffer.alloc(96_000, 0x7f)]));
    const journal = journals.begin(
      entry([
        { format: 'mp3-16k-stereo', path: mp3 },
        { format: 'wav-g711-ulaw', path: wav },
      ]),
    );
    journal.pause(startTime + 2000);
    journal.resume(startTime + 3000);
    journal.pause(startTime + 8000);
    await journal.flushed();
    journals.release(journal);
    await journal.flushed();

    expect(await recovery().recoverAll('crash')).toBe(1);
    expect(delivered.map((d) => [d.metadata.mediaFile.type, d.metadata.mediaFile.duration])).toEqual([
      ['audio/mp3', 10_000],
      ['audio/wav', 6000],
    ]);
    // The open pause runs to the end of each file; the WAV ends inside it.
    expect(delivered[0]!.metadata.mediaFile.pauses).toEqual([
      { offset: 2000, duration: 1000 },
      { offset: 8000, duration: 2000 },
    ]);
    expect(delivered[1]!.metadata.mediaFile.pauses).toEqual([{ offset: 2000, duration: 1000 }]);
    expect(delivered.every((d) => d.metadata.mediaFile.interrupted === 'crash')).toBe(true);
    // The WAV says its real size now.
    const header = (await fs.readFile(delivered[1]!.localFile)).subarray(0, wavHeaderBytes);
    expect(header.readUInt32LE(54)).toBe(96_000);
    // The journal is gone, the originals too; a second pass finds nothing.
    expect((await fs.readdir(dir)).sort()).toEqual(['mcp1-a-1.mp3.recovered', 'mcp1-a-1.wav.recovered']);
    expect(await recovery().recoverAll('crash')).toBe(0);
    expect(callDetails.get('conn-1')?.eventHistory.map((e) => e.event)).toEqual(['RecordingInterrupted']);
  });

  it('never queues a file twice: a journal that says a file was queued gets only the others', async () => {
    const mp3 = path.join(dir, 'mcp1-b-1.mp3');
    const wav = path.join(dir, 'mcp1-b-1.wav');
    await fs.writeFile(mp3, Buffer.alloc(4000));
    await fs.writeFile(wav, Buffer.alloc(wavHeaderBytes + 32_000));
    const journal = journals.begin(
      entry([
        { format: 'mp3-16k-stereo', path: mp3 },
        { format: 'wav-g711-ulaw', path: wav },
      ]),
    );
    // The capture finished normally; the backend died after the MP3 was queued.
    journal.captured({
      durationMs: 2000,
      pauses: [],
      outputs: [
        { path: mp3, size: 4000 },
        { path: wav, size: 32_058 },
      ],
    });
    journal.queued(mp3);
    await journal.flushed();
    journals.release(journal);
    await journal.flushed();

    expect(await recovery().recoverAll('crash')).toBe(1);
    expect(delivered.map((d) => d.localFile)).toEqual([wav]);
    expect(delivered[0]!.metadata.mediaFile.interrupted).toBeUndefined();
  });

  it('leaves the journals of recordings still running alone, and sets aside one it cannot read', async () => {
    const running = journals.begin(entry([{ format: 'mp3-16k-stereo', path: path.join(dir, 'live.mp3') }]));
    await running.flushed();
    await fs.writeFile(path.join(dir, 'garbage.mp3.journal.json'), '{"version": 2}');
    expect(await recovery().recoverAll('crash')).toBe(0);
    expect(await readJournal(running.file, silentLogger)).toMatchObject({ recordingId: 'rec-1' });
    expect((await fs.readdir(dir)).sort()).toEqual(['garbage.mp3.journal.json.unreadable', 'live.mp3.journal.json']);
    expect(delivered).toEqual([]);
  });
});
