import type { TraceMessage } from '@vox/shared';
import fs from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { registerAdminRoutes } from './api/admin-routes.ts';
import { registerFailedScreenUploadRoutes } from './api/failed-screen-upload-routes.ts';
import { registerCallLadderRoutes } from './api/call-ladder-routes.ts';
import { registerUserAdminRoutes } from './api/user-admin-routes.ts';
import { ExpiredSessionPurge } from './platform/auth/expired-session-purge.ts';
import { UserDirectory } from './platform/auth/user-directory.ts';
import { CallLadderStore } from './recording/recordings/call-ladder-store.ts';
import { registerAgentRoutes } from './api/agent-routes.ts';
import { AgentStates } from './telephony/agents/agent-states.ts';
import { InteractionReceiver } from './recording/analytics/interaction-receiver.ts';
import { AuditLog } from './recording/audit/audit-log.ts';
import { PurgeSchedule } from './recording/recordings/purge-schedule.ts';
import { RecordingLifecycle } from './recording/recordings/recording-lifecycle.ts';
import { installErrorHandlers } from './api/api-errors.ts';
import { registerAuthRoutes, registerLogoutRoute } from './api/auth-routes.ts';
import { Authenticator } from './api/authentication.ts';
import { allowDesktopOrigin } from './api/desktop-cors.ts';
import { registerApiDocs } from './api/api-docs.ts';
import { ApiRouteServer } from './api/api-route-server.ts';
import { registerRecordingRoutes } from './api/recording-routes.ts';
import { backendLogger } from './api/request-logging.ts';
import { registerRendererPages } from './api/renderer-pages.ts';
import { registerScreenUploadRoutes } from './api/screen-upload-routes.ts';
import { registerSimRoutes } from './api/sim-routes.ts';
import { attachSocketGateway } from './api/socket-gateway.ts';
import { seedDemoTenant } from './platform/auth/demo-tenant.ts';
import { CallDetailsStore } from './recording/call-details/call-details.ts';
import { CallDetailsSweep } from './recording/call-details/call-details-sweep.ts';
import { CallDetailsMirror } from './recording/call-details/call-details-mirror.ts';
import { ConfigError, type VoxConfig } from './platform/config.ts';
import { openDatabase } from './platform/db/database.ts';
import { JobQueue } from './platform/jobs/job-queue.ts';
import { backendNodeId } from './platform/jobs/backend-nodes.ts';
import { EventBus } from './platform/events/event-bus.ts';
import { ClusterEventRelay } from './platform/events/cluster-event-relay.ts';
import { MediaControlPlatform } from './telephony/mcp/media-control-platform.ts';
import { speakPhrases } from './telephony/mcp/audio-engine/espeak-phrases.ts';
import { MediaEngine } from './telephony/mcp/audio-engine/media-engine.ts';
import { RecordingProcessor } from './recording/recording-processor/recording-processor.ts';
import { RecordingStore } from './recording/recordings/recording-store.ts';
import { RecordingJournals } from './recording/recordings/recording-journal.ts';
import { InterruptedRecordings } from './recording/recordings/interrupted-recordings.ts';
import { DiskSpaceGuard } from './telephony/mcp/disk-space-guard.ts';
import { ResourceManager } from './telephony/resource-manager/resource-manager.ts';
import { ScreenMuxer } from './recording/screen/screen-muxer.ts';
import { createScreenUploadServer } from './recording/screen/screen-uploads.ts';
import { DnDirectory } from './telephony/sip-server/dn-directory.ts';
import { ScenarioRunner } from './telephony/scenarios/scenario-runner.ts';
import { SipServer } from './telephony/sip-server/sip-server.ts';
import { TLibraryRequests } from './telephony/sip-server/t-library-requests.ts';
import { LocalDirectoryStorage } from './recording/storage/local-directory-storage.ts';
import type { MediaStorage } from './recording/storage/media-storage.ts';
import { MediaVault } from './recording/crypto/media-vault.ts';
import { TenantKeystore } from './recording/crypto/tenant-keystore.ts';
import { StorageOutbox } from './recording/storage/storage-outbox.ts';
import { refuseControlCharacters } from './api/control-characters.ts';
import {
  answerClientError,
  answerRouterError,
  answerUnroutableRequests,
  maxPathSegmentLength,
} from './api/http-protocol-errors.ts';
import { ScreenUploadPolicy } from './recording/screen/screen-upload-policy.ts';
import { addSecurityHeaders } from './api/security-headers.ts';
import { RtpPortPool } from './telephony/siprec/rtp-port-pool.ts';
import { SiprecServer, type SiprecServerOptions } from './telephony/siprec/siprec-server.ts';
import { WebdavStorage } from './recording/storage/webdav-storage.ts';
import { registerOperationsRoutes } from './api/operations-routes.ts';
import { BackendReadiness } from './api/operations/readiness.ts';
import { VoxMetrics } from './api/operations/vox-metrics.ts';

export interface RunningVox {
  url: string;
  port: number;
  /** the metadata database's connection string (operators' tools and tests connect with it) */
  databaseUrl: string;
  /** the SIPREC recording server's SIP port (udp and tcp), unless VOX_SIP_PORT=off */
  sipPort: number | undefined;
  /** Faults a drill or a test sets off on purpose: media worker `index` dies as a crashed one would. */
  crashMediaWorker(index: number): Promise<void>;
  /** Stops accepting calls, finishes and stores every recording in progress, stops the database. */
  close(): Promise<void>;
}

/** How long a stopping backend waits for the jobs it queued; what is left runs at the next start. */
const shutdownSettleMs = 120_000;

/** How often the Resource Manager checks its MCPs (a dead one's sessions move at the next check). */
const mcpHealthCheckMs = 1000;

/** The SIPREC server, or a sentence saying why its port cannot be had (the start stops there). */
async function listenForSiprec(options: SiprecServerOptions): Promise<SiprecServer> {
  try {
    return await SiprecServer.listen(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
    throw new ConfigError(
      `the SIPREC recording server cannot listen on ${options.host}:${options.port} (${code}): ` +
        'set VOX_SIP_PORT to a free port (0: any), VOX_SIP_HOST to an address of this machine, or VOX_SIP_PORT=off',
    );
  }
}

export async function startVox(config: VoxConfig): Promise<RunningVox> {
  // One logger: Fastify's request lines and each component's (a child naming it) go through it.
  const log = backendLogger(config.logLevel, config.logStream);
  // Seen by Fastify as its base logger, the type its route and plugin signatures take.
  const requestLog: FastifyBaseLogger = log;
  const app = Fastify({
    loggerInstance: requestLog,
    bodyLimit: 1024 * 1024,
    // A <video> seeking through a long recording keeps many range requests open.
    keepAliveTimeout: 10_000,
    // Behind a TLS proxy, the client is the one its X-Forwarded-For names, but only for these proxies.
    ...(config.trustProxy ? { trustProxy: config.trustProxy } : {}),
    // Requests refused before any route runs get the API's {error} answer too (http-protocol-errors.ts).
    routerOptions: { maxParamLength: maxPathSegmentLength },
    clientErrorHandler: answerClientError,
    frameworkErrors: answerRouterError,
    http: { requireHostHeader: false },
  });
  await fs.mkdir(config.dataDir, { recursive: true, mode: 0o755 });
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    log: log.child({ component: 'postgres' }),
  });
  const { pool } = database;
  let jobs: JobQueue;
  try {
    jobs = await JobQueue.start({
      databaseUrl: database.url,
      nodeId: await backendNodeId(config.dataDir),
      log: log.child({ component: 'jobs' }),
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  if (config.demoTenant) {
    const added = await seedDemoTenant(pool);
    if (added > 0) log.info(`demo tenant: added ${added} users`);
  }

  const bus = new EventBus();
  const events = new ClusterEventRelay(database.url, jobs.nodeId, bus, log.child({ component: 'events' }));
  await events.start();
  const storage: MediaStorage = config.storageUrl
    ? new WebdavStorage(config.storageUrl)
    : new LocalDirectoryStorage(config.localStorageDir);
  const recordings = new RecordingStore(pool);
  const callDetailsMirror = new CallDetailsMirror(pool, log.child({ component: 'call-details' }));
  const callDetails = new CallDetailsStore(callDetailsMirror);
  const processor = new RecordingProcessor(callDetails, recordings, bus);
  const keystore = config.keystore
    ? await TenantKeystore.open(config.keystore.file, config.keystore.passphrase)
    : undefined;
  const vault = new MediaVault(storage, keystore);
  const outbox = new StorageOutbox(jobs, storage, processor, log.child({ component: 'storage-outbox' }));
  const mcpWorkDir = path.join(config.dataDir, 'mcp');
  await fs.mkdir(mcpWorkDir, { recursive: true });
  // The SIP Server and the SIPREC server come later: a journal asks for a call's ladder only once
  // its recording has started, by which time both exist.
  const ladderOf = (connId: string): TraceMessage[] | undefined => siprec?.traceOf(connId) ?? sipServer.trace(connId);
  const journals = new RecordingJournals(
    mcpWorkDir,
    callDetails,
    ladderOf,
    log.child({ component: 'recording-journal' }),
  );
  const disk = new DiskSpaceGuard(mcpWorkDir, config.diskReserveBytes, log.child({ component: 'disk-space' }));
  await disk.start();
  // One engine (a pool of worker threads) serves every MCP of this process: MCPs are the SIP-facing
  // units the Resource Manager balances, the engine is where the CPU goes.
  const engine = new MediaEngine({ log: log.child({ component: 'media-engine' }), phrases: await speakPhrases() });
  log.info(
    engine.speech === 'espeak-ng'
      ? 'MCP media engine: the parties speak phrases synthesised by espeak-ng'
      : 'MCP media engine: espeak-ng is not installed, the parties speak with generated voices',
  );
  const profile = {
    name: `vox-${config.recordingFormat}${config.analytics ? '-analytics' : ''}`,
    mp3: config.recordingFormat,
    analytics: config.analytics,
  };
  const mcps = Array.from(
    { length: config.mcpCount },
    (_, i) =>
      new MediaControlPlatform(`mcp${i + 1}`, {
        workDir: mcpWorkDir,
        engine,
        outbox,
        vault,
        journals,
        disk,
        profile,
        log: log.child({ component: 'mcp' }),
      }),
  );
  const resourceManager = new ResourceManager(mcps, log.child({ component: 'resource-manager' }));
  const healthCheck = setInterval(() => resourceManager.checkHealth(), mcpHealthCheckMs);
  const directory = new DnDirectory(pool);
  const ladders = new CallLadderStore(pool, jobs, log.child({ component: 'call-ladders' }));
  bus.on('callLadderComplete', (connId, callUuid, messages) => ladders.keep(connId, callUuid, messages));
  const sipServer = new SipServer(directory, resourceManager, callDetails, bus, (id) => recordings.exists(id));
  const tLibrary = new TLibraryRequests(sipServer);
  const audit = await AuditLog.open(pool, config.audit);
  const scenarios = new ScenarioRunner({ sipServer, directory, tLibrary, resourceManager, mcps, audit });
  const muxer = new ScreenMuxer(
    pool,
    vault,
    outbox,
    jobs,
    bus,
    path.join(config.dataDir, 'mux'),
    log.child({ component: 'screen-muxer' }),
  );
  bus.on('recordingEvent', (name, event) => {
    if (name !== 'RecordingStored') return;
    // An upload still waiting for this voice file is muxed now; one not sent yet is queued by its upload.
    muxer
      .voiceStored(event.connId)
      .catch((error: unknown) => log.error({ err: error }, `could not queue the screen mux of call ${event.connId}`));
  });

  let siprec: SiprecServer | undefined;
  try {
    siprec = config.siprec
      ? await listenForSiprec({
          host: config.siprec.host,
          port: config.siprec.port,
          rtpPorts: new RtpPortPool(config.siprec.rtpPorts.first, config.siprec.rtpPorts.last),
          rtpTimeoutMs: config.siprec.rtpTimeoutMs,
          directory,
          engine,
          workDir: mcpWorkDir,
          outbox,
          vault,
          journals,
          profile,
          callDetails,
          bus,
          log: log.child({ component: 'siprec' }),
        })
      : undefined;
  } catch (error) {
    clearInterval(healthCheck);
    await engine.close();
    await jobs.stop();
    await callDetailsMirror.stop();
    await events.stop();
    await database.close();
    throw error;
  }
  if (siprec) {
    const { host, rtpPorts } = config.siprec!;
    log.info(
      `SIPREC recording server: SIP on udp and tcp ${host}:${siprec.port}, RTP ${rtpPorts.first}-${rtpPorts.last}`,
    );
  }

  const analytics = new InteractionReceiver(pool, vault, jobs);
  bus.on('mediaStored', (recordingId, mediaId, type, storagePath) => {
    if (type !== 'audio/wav') return;
    analytics
      .enqueue({ recordingId, mediaId, storagePath })
      .catch((error: unknown) => log.error({ err: error }, `could not queue the analytics of ${recordingId}`));
  });
  await analytics.start();
  await muxer.start();
  await outbox.start(pool);
  await ladders.start();
  // What a crash left of recordings in progress becomes stored, interrupted recordings.
  const interrupted = new InterruptedRecordings({
    journals,
    keystore,
    callDetails,
    outbox,
    keepLadder: (connId, callUuid, messages) => ladders.keep(connId, callUuid, messages),
    log: log.child({ component: 'interrupted-recordings' }),
  });
  void interrupted.start();
  const callDetailsSweep = new CallDetailsSweep(callDetails, async () => {
    const waiting = await outbox.pendingVoiceCalls();
    for (const connId of journals.liveCalls()) waiting.add(connId);
    return waiting;
  });
  callDetailsSweep.start();

  const auth = new Authenticator(pool);
  installErrorHandlers(app);
  answerUnroutableRequests(app);
  addSecurityHeaders(app);
  refuseControlCharacters(app);
  allowDesktopOrigin(app, config.desktopOrigin);
  const metrics = new VoxMetrics({
    liveCalls: () => ({ simulation: sipServer.liveCalls, siprec: siprec?.activeSessions ?? 0 }),
    engine,
    outboxStatus: () => outbox.status(),
    muxBacklog: () => muxer.backlog(),
    bus,
    log: log.child({ component: 'metrics' }),
  });
  registerOperationsRoutes(app, {
    readiness: new BackendReadiness({
      database: () => pool.query('SELECT 1'),
      storage: { kind: config.storageUrl ? 'webdav' : 'local', probe: (timeoutMs) => storage.probe(timeoutMs) },
      mediaEngine: () => engine.load(),
      dataDir: config.dataDir,
      minFreeBytes: config.minFreeDiskBytes,
    }),
    metrics,
    metricsToken: config.metricsToken,
  });
  const routes = new ApiRouteServer(app, auth);
  registerApiDocs(routes);
  registerAuthRoutes(routes, pool, config.tokenTtlMs, audit);
  registerLogoutRoute(routes, pool, auth, bus, audit);
  await new ExpiredSessionPurge(pool, jobs, config.tokenTtlMs).start();
  registerSimRoutes(routes, {
    sipServer,
    siprec,
    directory,
    tLibrary,
    resourceManager,
    mcps,
    scenarios,
    audit,
    scenarioWaitMs: config.scenarioWaitMs,
  });
  // Deleted through the vault's view of storage: what it kept of a deleted object goes with it.
  const lifecycle = new RecordingLifecycle(pool, recordings, vault.forgettingDeletes(), audit);
  if (config.purgeAtUtc) {
    await new PurgeSchedule(lifecycle, jobs, config.purgeAtUtc, log.child({ component: 'retention-purge' })).start();
  }
  registerRecordingRoutes(routes, recordings, vault, audit, lifecycle);
  registerAgentRoutes(routes, { agentStates: new AgentStates(bus), audit });
  registerAdminRoutes(routes, { outbox, jobs, audit, lifecycle, keystore });
  registerUserAdminRoutes(routes, new UserDirectory(pool, bus), audit);
  registerCallLadderRoutes(routes, ladders);
  const screenUploads = createScreenUploadServer({
    uploadDir: config.screenUploadDir,
    pool,
    muxer,
    vault,
    audit,
    policy: new ScreenUploadPolicy(pool, callDetails),
    authenticate: (h) => auth.fromHeader(h),
    incompleteUploadTtlMs: config.incompleteUploadTtlMs,
  });
  registerScreenUploadRoutes(app, screenUploads.tus);
  registerFailedScreenUploadRoutes(routes, pool);
  await registerRendererPages(app, config.rendererDir);

  const io = attachSocketGateway(app.server, auth, events.clientEvents);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    clearInterval(healthCheck);
    await siprec?.close();
    await engine.close();
    await interrupted.stop();
    callDetailsSweep.stop();
    journals.stop();
    await outbox.stop();
    await jobs.stop();
    await callDetailsMirror.stop();
    await events.stop();
    await database.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.host}:${port}`,
    port,
    sipPort: siprec?.port,
    crashMediaWorker: (index) => engine.crashWorker(index),
    databaseUrl: database.url,
    close() {
      closing ??= (async () => {
        clearInterval(healthCheck);
        await scenarios.stop();
        sipServer.stopAll('backend shutting down');
        await siprec?.close();
        await Promise.all(mcps.map((mcp) => mcp.close()));
        await engine.close();
        await interrupted.stop();
        callDetailsSweep.stop();
        journals.stop();
        disk.stop();
        await outbox.stop();
        // What the MCPs just finished is stored, its metadata posted, its screen muxed, before the queue stops.
        await jobs.settle(shutdownSettleMs);
        await jobs.stop();
        await callDetailsMirror.stop();
        await events.stop();
        await io.close();
        await app.close();
        metrics.close();
        await database.close();
      })();
      return closing;
    },
  };
}
