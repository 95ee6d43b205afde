import { pino, type Logger } from 'pino';

/** A component's logger in a test that does not read its lines. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** One line a component logged, as pino wrote it (the level by name). */
export interface LoggedRecord {
  level: string;
  msg: string;
  /** the error logged with the line, as pino's serializer writes it */
  err?: { type: string; message: string };
  [field: string]: unknown;
}

/** A logger whose lines a test reads back: `records` grows as the component logs (every level). */
export function capturingLogger(): { log: Logger; records: LoggedRecord[] } {
  const records: LoggedRecord[] = [];
  const log = pino(
    { level: 'trace', formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => records.push(JSON.parse(line) as LoggedRecord) },
  );
  return { log, records };
}
