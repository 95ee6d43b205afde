import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  recordingOriginSchema,
  traceMessageSchema,
  voiceInterruptionSchema,
  type TraceMessage,
  type VoiceInterruption,
} from '@vox/shared';
import type { CallDetails } from '../call-details/call-details.ts';
import type { CallDetailsStore } from '../call-details/call-details.ts';

const journalSuffix = '.journal.json';

/**
 * What a recording in progress leaves beside its media files, so that a backend that dies (or a
 * media worker, or a database that is down when the files are finished) loses nothing: the call
 * the files belong to, where they go, when the recording was paused, and the call details as the
 * SIP Server side knew them. It is a file in the data directory, not a database row, because a
 * recording must start and end while PostgreSQL is down too.
 */
export const recordingJournalSchema = z.object({
  version: z.literal(1),
  recordingId: z.string().min(1),
  origin: recordingOriginSchema,
  /** the MCP (or SIPREC server) writing the files */
  writer: z.string(),
  mediaSequence: z.number().int().positive(),
  ivrProfile: z.string(),
  destFolder: z.string().optional(),
  call: z.object({
    connId: z.string(),
    callUuid: z.string(),
    recordDn: z.string(),
    ani: z.string(),
    dnis: z.string(),
    agentId: z.string().optional(),
  }),
  /** epoch ms: the files' timeline origin */
  startTime: z.number(),
  outputs: z.array(
    z.object({
      format: z.enum(['mp3-8k-mono', 'mp3-16k-stereo', 'mp3-32k-stereo', 'wav-g711-ulaw']),
      path: z.string(),
    }),
  ),
  /** epoch ms; `to` absent while paused */
  pauses: z.array(z.object({ from: z.number(), to: z.number().optional() })),
  /** the call details (GIR: ICON's) as of the last save, merged into the recording's metadata */
  details: z.unknown().optional(),
  /** the call's SIP and MSML messages so far: the recording's call ladder */
  ladder: z.array(traceMessageSchema).optional(),
  /** the files are finished: what the capture said of them */
  captured: z
    .object({
      durationMs: z.number().int().nonnegative(),
      pauses: z.array(z.object({ offset: z.number().int(), duration: z.number().int() })),
      outputs: z.array(
        z.object({
          path: z.string(),
          size: z.number().int().nonnegative(),
          /** a recovered file's own length, when it differs from the recording's (cut at another byte) */
          durationMs: z.number().int().nonnegative().optional(),
        }),
      ),
      interrupted: voiceInterruptionSchema.optional(),
    })
    .optional(),
  /** why the capture ended before it was stopped, when its owner knew (a media worker died) */
  interrupted: voiceInterruptionSchema.optional(),
  /** files already handed to the storage outbox (never queued twice) */
  queued: z.array(z.string()),
});
export type RecordingJournalEntry = z.infer<typeof recordingJournalSchema>;

/** The journal file of a recording whose first output is `firstOutput`. */
export function journalPathFor(firstOutput: string): string {
  return `${firstOutput}${journalSuffix}`;
}

/**
 * One recording's journal: every change is written to its file in order (atomically, through a
 * temporary file), coalescing changes made while a write is under way.
 */
export class RecordingJournal {
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private lastCall = '';
  private closed = false;

  constructor(
    readonly file: string,
    readonly entry: RecordingJournalEntry,
    private readonly log: Logger,
  ) {}

  pause(at: number): void {
    const last = this.entry.pauses.at(-1);
    if (last && last.to === undefined) return;
    this.entry.pauses.push({ from: at });
    this.save();
  }

  resume(at: number): void {
    const last = this.entry.pauses.at(-1);
    if (!last || last.to !== undefined) return;
    last.to = Math.max(last.from, at);
    this.save();
  }

  /** Takes in the call details and ladder when they changed (called about once a second). */
  noteCall(details: CallDetails | undefined, ladder: TraceMessage[] | undefined): void {
    const text = JSON.stringify(details ?? null) + (ladder?.length ?? 0);
    if (text === this.lastCall) return;
    this.lastCall = text;
    if (details) this.entry.details = details;
    if (ladder) this.entry.ladder = ladder;
    this.save();
  }

  captured(captured: NonNullable<RecordingJournalEntry['captured']>): void {
    this.entry.captured = captured;
    this.save();
  }

  interrupt(reason: VoiceInterruption): void {
    this.entry.interrupted = reason;
    this.save();
  }

  queued(file: string): void {
    this.entry.queued.push(file);
    this.save();
  }

  /** Waits for every change to be on disk. */
  async flushed(): Promise<void> {
    await this.writing;
  }

  /** Every file is queued: the journal goes. */
  async remove(): Promise<void> {
    this.closed = true;
    await this.writing;
    await fs.rm(this.file, { force: true });
  }

  save(): void {
    if (this.closed) return;
    if (this.dirty) return;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      if (this.closed) return;
      try {
        await writeAtomically(this.file, JSON.stringify(this.entry));
      } catch (error) {
        this.log.error({ err: error }, `recording ${this.entry.recordingId}: its journal could not be written`);
      }
    });
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp`;
  await fs.writeFile(temporary, text);
  await fs.rename(temporary, file);
}

/**
 * The journals of one backend: opens them as recordings start, keeps their call details fresh,
 * and lists the ones no live recording owns (left by a crash, a dead worker, a database outage).
 */
export class RecordingJournals {
  private readonly open = new Set<RecordingJournal>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly directory: string,
    private readonly callDetails: Pick<CallDetailsStore, 'get'>,
    /** the call's ladder as the SIP Server (or the SIPREC server) traces it */
    private readonly ladderOf: (connId: string) => TraceMessage[] | undefined,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => this.refreshCalls(), 1000);
    this.timer.unref();
  }

  /** Starts a recording's journal (its first write is under way; `flushed()` waits for it). */
  begin(entry: Omit<RecordingJournalEntry, 'version' | 'pauses' | 'queued'>): RecordingJournal {
    const first = entry.outputs[0];
    if (!first) throw new Error(`recording ${entry.recordingId} has no output to journal`);
    const journal = new RecordingJournal(
      journalPathFor(first.path),
      { version: 1, pauses: [], queued: [], ...entry },
      this.log,
    );
    this.noteCall(journal);
    this.open.add(journal);
    journal.save();
    return journal;
  }

  /**
   * The journal's recording left this process (finished and queued, or failed): nobody owns it
   * once its last change is on disk (a recovery pass must not read it without that change).
   */
  release(journal: RecordingJournal): void {
    void journal.flushed().then(() => this.open.delete(journal));
  }

  /** Journal files that no recording of this process owns. */
  async orphans(): Promise<string[]> {
    const owned = new Set([...this.open].map((j) => j.file));
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch {
      return [];
    }
    return names
      .filter((name) => name.endsWith(journalSuffix))
      .map((name) => path.join(this.directory, name))
      .filter((file) => !owned.has(file));
  }

  /** The calls of the recordings journalled in this process now. */
  liveCalls(): Set<string> {
    return new Set([...this.open].map((journal) => journal.entry.call.connId));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private refreshCalls(): void {
    for (const journal of this.open) {
      if (!journal.entry.captured) this.noteCall(journal);
    }
  }

  private noteCall(journal: RecordingJournal): void {
    const { connId } = journal.entry.call;
    let ladder: TraceMessage[] | undefined;
    try {
      ladder = this.ladderOf(connId);
    } catch {
      ladder = undefined; // released and forgotten: the last one saved stays
    }
    journal.noteCall(this.callDetails.get(connId), ladder);
  }
}

/** Reads a journal file; undefined (and a log line) when it is not one. */
export async function readJournal(file: string, log: Logger): Promise<RecordingJournalEntry | undefined> {
  try {
    const parsed = recordingJournalSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
    if (parsed.success) return parsed.data;
    log.warn(`${file} is not a recording journal Vox can read (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  } catch (error) {
    log.warn({ err: error }, `${file} could not be read`);
  }
  return undefined;
}
