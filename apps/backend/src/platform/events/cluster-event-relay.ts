import pg from 'pg';
import type { Logger } from 'pino';
import { EventBus, type DomainEvents } from './event-bus.ts';

/** What sockets hear: the events the socket gateway forwards, whichever backend published them. */
const clientEventNames = [
  'callEvent',
  'recordingEvent',
  'screenRecordingStored',
  'agentState',
  'sessionsEnded',
] as const;
type ClientEventName = (typeof clientEventNames)[number];

interface RelayedEvent {
  from: string;
  name: ClientEventName;
  args: unknown[];
}

const channel = 'vox_client_events';
/** PostgreSQL's NOTIFY payload limit is 8000 bytes; a larger event goes through a table. */
const inlinePayloadBytes = 7900;
const reconnectMs = { first: 500, max: 30_000 };

/**
 * Carries the events sockets hear between the backends sharing a database, over PostgreSQL's
 * LISTEN/NOTIFY: an agent whose socket is on one backend hears the calls, recordings and session
 * ends of another. `clientEvents` is what the socket gateway listens to: this backend's events at
 * once, the others' as they arrive. Only those go across; the domain's own listeners (the muxer,
 * analytics) hear this backend's events alone, so nothing is done twice.
 *
 * Not a socket.io adapter: socket.io's cluster adapters keep no sessions, and an agent's socket
 * that drops for a moment would lose the events it missed (connection state recovery works with
 * the in-memory adapter only). Events published while the connection is down are not replayed to
 * other backends; their sockets' catch-up (GET /api/v2/sim/calls?dn=) covers that.
 */
export class ClusterEventRelay {
  readonly clientEvents = new EventBus();
  private client: pg.Client | undefined;
  private stopped = false;
  private delayMs = reconnectMs.first;
  private receiving: Promise<void> = Promise.resolve();
  private readonly detach: (() => void)[] = [];
  private droppedWhileDown = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly nodeId: string,
    bus: EventBus,
    private readonly log: Logger,
  ) {
    for (const name of clientEventNames) this.forward(bus, name);
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const detach of this.detach) detach();
    await this.receiving;
    await this.client?.end().catch(() => {});
  }

  /** This backend's `name` events reach its sockets at once, and the other backends' over NOTIFY. */
  private forward<K extends ClientEventName>(bus: EventBus, name: K): void {
    const listener = (...args: DomainEvents[K]) => {
      this.emitToSockets(name, args);
      this.publish({ from: this.nodeId, name, args });
    };
    bus.on(name, listener as never);
    this.detach.push(() => bus.off(name, listener as never));
  }

  private emitToSockets(name: ClientEventName, args: unknown[]): void {
    (this.clientEvents.emit as (name: ClientEventName, ...args: unknown[]) => boolean)(name, ...args);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'vox-events' });
    client.on('error', () => {});
    client.on('end', () => {
      if (this.client !== client || this.stopped) return;
      this.client = undefined;
      this.log.warn(`events: lost the database connection that carries events between backends; reconnecting`);
      this.reconnectLater();
    });
    client.on('notification', (message) => {
      if (message.channel !== channel || !message.payload) return;
      const payload = message.payload;
      this.receiving = this.receiving.then(() => this.receive(client, payload)).catch(() => {});
    });
    await client.connect();
    await client.query(`LISTEN ${channel}`);
    this.client = client;
    if (this.droppedWhileDown > 0) {
      this.log.info(`events: connected again; ${this.droppedWhileDown} event(s) did not reach other backends`);
    }
    this.droppedWhileDown = 0;
    this.delayMs = reconnectMs.first;
  }

  private reconnectLater(): void {
    if (this.stopped) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(reconnectMs.max, this.delayMs * 2);
    setTimeout(() => {
      this.connect().catch(() => this.reconnectLater());
    }, delay).unref();
  }

  private publish(event: RelayedEvent): void {
    const client = this.client;
    if (!client) {
      this.droppedWhileDown++;
      return;
    }
    const payload = JSON.stringify(event);
    // One connection, queries in order: the other backends hear this backend's events in order.
    const sent =
      Buffer.byteLength(payload) <= inlinePayloadBytes
        ? client.query('SELECT pg_notify($1, $2)', [channel, payload])
        : client.query(
            `WITH spilled AS (INSERT INTO cluster_events (payload) VALUES ($2) RETURNING id),
                  pruned AS (DELETE FROM cluster_events WHERE at < now() - interval '1 minute')
             SELECT pg_notify($1, json_build_object('spilled', id)::text) FROM spilled`,
            [channel, payload],
          );
    sent.catch((error: unknown) => this.log.debug({ err: error }, `events: ${event.name} not relayed`));
  }

  private async receive(client: pg.Client, payload: string): Promise<void> {
    let parsed = JSON.parse(payload) as RelayedEvent | { spilled: number };
    if ('spilled' in parsed) {
      const row = await client.query<{ payload: RelayedEvent }>('SELECT payload FROM cluster_events WHERE id = $1', [
        parsed.spilled,
      ]);
      if (!row.rows[0]) return;
      parsed = row.rows[0].payload;
    }
    if (parsed.from === this.nodeId || !clientEventNames.includes(parsed.name)) return;
    this.emitToSockets(parsed.name, parsed.args);
  }
}
