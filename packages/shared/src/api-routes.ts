import { z } from 'zod';
import { agentStateEventSchema, agentStateRequestSchema } from './agent-state.ts';
import {
  loginRequestSchema,
  loginResponseSchema,
  roleSchema,
  userRightsRequestSchema,
  userSchema,
  type Role,
} from './auth.ts';
import { jobOverviewSchema, jobParamsSchema } from './jobs.ts';
import { tenantPublicKeySchema } from './media-cipher-format.ts';
import { mediaQuerySchema, mediaTicketRequestSchema, mediaTicketSchema } from './media-ticket.ts';
import {
  auditListSchema,
  auditVerificationSchema,
  legalHoldRequestSchema,
  purgeResultSchema,
  recordingListSchema,
  recordingQuerySchema,
  recordingSchema,
  retentionRulesSchema,
  setLabelsRequestSchema,
  storageStatusSchema,
  tenantKeyListSchema,
} from './recording.ts';
import { scenarioRunSchema, scenarioSchema } from './scenario.ts';
import { failedScreenUploadListSchema, screenRecordingIncidentSchema } from './screen-upload.ts';
import {
  callActionRequestSchema,
  callActionSchema,
  callSnapshotSchema,
  connIdSchema,
  createCallRequestSchema,
  createCallResponseSchema,
  dnConfigRequestSchema,
  dnConfigSchema,
  dnSchema,
  ivrRecordRequestSchema,
  sendDigitsRequestSchema,
  traceMessageSchema,
  type CallAction,
} from './sim.ts';
import {
  auditQuerySchema,
  callLadderSchema,
  createUserRequestSchema,
  groupListSchema,
  updateUserRequestSchema,
  userListSchema,
} from './supervisor.ts';
import {
  eventAckSchema,
  privateServiceRequestSchema,
  registerAddressRequestSchema,
  registeredAddressesSchema,
} from './t-library.ts';

/**
 * Who may call a route: anyone (`public`), any logged-in user (`session`), the roles listed, or
 * `handler` when the route decides itself (a session's token, a media ticket).
 */
export type RouteAccess = 'public' | 'session' | 'handler' | readonly Role[];

/** One REST route of the API: the single place its shape is declared. */
export interface ApiRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI form: `/api/v2/recordings/{id}` */
  path: string;
  summary: string;
  access: RouteAccess;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** the success answer's body; none for a 204 or raw bytes */
  response?: z.ZodType;
  /** the success status when it is not 200 */
  status?: 201 | 202 | 204;
  /** T-Library requests answer EventError, not the `{error}` body */
  tLibrary?: boolean;
}

const staff = ['admin', 'supervisor'] as const satisfies readonly Role[];
const admin = ['admin'] as const satisfies readonly Role[];
const agent = ['agent'] as const satisfies readonly Role[];

const idParams = z.object({ id: z.string().min(1).max(128) });
const connIdParams = z.object({ connId: connIdSchema });
const usernameParams = z.object({ username: z.string().min(1).max(64) });
const mcpParams = z.object({ name: z.string().regex(/^[a-z0-9-]{1,32}$/) });
const mediaParams = z.object({ id: z.string().min(1).max(128), mediaId: z.string().min(1).max(256) });

export const mcpPoolSchema = z.object({
  mcps: z.array(z.object({ name: z.string(), load: z.number(), healthy: z.boolean() })),
});
export type McpPool = z.infer<typeof mcpPoolSchema>;

export const callListSchema = z.object({ calls: z.array(callSnapshotSchema) });
export const callTraceSchema = z.object({ messages: z.array(traceMessageSchema) });
export const dnListSchema = z.object({ dns: z.array(dnConfigSchema) });
export const scenarioStartQuerySchema = z.object({
  wait: z.enum(['0', '1']).default('0'),
  speed: z.coerce.number().min(0.1).max(100).default(1),
});
export const purgeQuerySchema = z.object({ dryRun: z.enum(['0', '1']).default('0') });

const callActionSummaries: Record<CallAction, string> = {
  answer: 'The ringing DN answers',
  release: 'The party on dn leaves; the call ends when fewer than two parties remain',
  transfer: 'Single-step transfer: dn leaves, toDn rings in its place',
  conference: 'Single-step conference: toDn rings and joins on answer',
  'initiate-transfer': 'Two-step transfer: dn holds the call and consults toDn on a new call (returned)',
  'complete-transfer': 'The consulted party joins the call, dn leaves it',
  'initiate-conference': 'Two-step conference: dn holds the call and consults toDn on a new call (returned)',
  'complete-conference': 'The consulted party joins the call, dn is back in it',
};

/** `POST /sim/calls/{connId}/<action>` for each call action, named `callAnswer`, `callInitiateTransfer`, ... */
type CallActionRouteName = `call${Capitalize<CamelCase<CallAction>>}`;
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

export function callActionRouteName(action: CallAction): CallActionRouteName {
  const camel = action.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
  return `call${camel[0]!.toUpperCase()}${camel.slice(1)}` as CallActionRouteName;
}

const callActionRoutes = Object.fromEntries(
  callActionSchema.options.map((action) => [
    callActionRouteName(action),
    {
      method: 'post',
      path: `/api/v2/sim/calls/{connId}/${action}`,
      summary: callActionSummaries[action],
      access: 'session',
      params: connIdParams,
      body: callActionRequestSchema,
      response: callSnapshotSchema,
    },
  ]),
) as Record<
  CallActionRouteName,
  {
    method: 'post';
    path: string;
    summary: string;
    access: 'session';
    params: typeof connIdParams;
    body: typeof callActionRequestSchema;
    response: typeof callSnapshotSchema;
  }
>;

/**
 * Every REST route of the API, by name. The backend serves each from here (validating params,
 * query and body with these schemas and checking `access` before the handler runs), the OpenAPI
 * document is generated from it, and the typed client calls routes by these names.
 */
export const apiRoutes = {
  openApi: {
    method: 'get',
    path: '/api/v2/openapi.json',
    summary: 'This document: the OpenAPI 3.1 description of the REST API (browsable at /api/docs)',
    access: 'public',
    response: z.record(z.string(), z.unknown()),
  },
  login: {
    method: 'post',
    path: '/api/v2/auth/login',
    summary: 'Log in; returns a bearer token',
    access: 'public',
    body: loginRequestSchema,
    response: loginResponseSchema,
  },
  logout: {
    method: 'post',
    path: '/api/v2/auth/logout',
    summary: "Ends the bearer token's session (204): the token is refused from then on and its sockets close",
    access: 'handler',
    status: 204,
  },
  createCall: {
    method: 'post',
    path: '/api/v2/sim/calls',
    summary: 'Route an inbound call to a DN (TRouteCall); record=source|destination starts recording on answer',
    access: staff,
    body: createCallRequestSchema,
    response: createCallResponseSchema,
    status: 201,
  },
  listCalls: {
    method: 'get',
    path: '/api/v2/sim/calls',
    summary: "The calls a DN is a party of now (a desktop's catch-up)",
    access: 'session',
    query: z.object({ dn: dnSchema }),
    response: callListSchema,
  },
  getCall: {
    method: 'get',
    path: '/api/v2/sim/calls/{connId}',
    summary: 'One active call',
    access: 'session',
    params: connIdParams,
    response: callSnapshotSchema,
  },
  getCallTrace: {
    method: 'get',
    path: '/api/v2/sim/calls/{connId}/trace',
    summary: "The call's SIP and MSML messages in order",
    access: staff,
    params: connIdParams,
    response: callTraceSchema,
  },
  ...callActionRoutes,
  sendDigits: {
    method: 'post',
    path: '/api/v2/sim/calls/{connId}/digits',
    summary: 'The party on dn keys DTMF digits (relayed to the MCP in SIP INFO)',
    access: 'session',
    params: connIdParams,
    body: sendDigitsRequestSchema,
    response: callSnapshotSchema,
  },
  ivrRecord: {
    method: 'post',
    path: '/api/v2/sim/calls/{connId}/ivr-record',
    summary: 'IVR application recording control, as VoiceXML <log gvp:dest="record">start|pause|resume|stop</log>',
    access: staff,
    params: connIdParams,
    body: ivrRecordRequestSchema,
    response: eventAckSchema,
    tLibrary: true,
  },
  privateService: {
    method: 'post',
    path: '/api/v2/sim/private-service',
    summary: 'TPrivateService GSIP_RECORD_START 3013, STOP 3014, PAUSE 3015, RESUME 3016; EventACK or EventError',
    access: 'session',
    body: privateServiceRequestSchema,
    response: eventAckSchema,
    tLibrary: true,
  },
  registerAddress: {
    method: 'post',
    path: '/api/v2/sim/register',
    summary: 'TRegisterAddress: act on behalf of a DN in TPrivateService',
    access: 'session',
    body: registerAddressRequestSchema,
    response: registeredAddressesSchema,
  },
  registeredAddresses: {
    method: 'get',
    path: '/api/v2/sim/register',
    summary: 'The DNs you registered',
    access: 'session',
    response: registeredAddressesSchema,
  },
  listDns: {
    method: 'get',
    path: '/api/v2/sim/dns',
    summary: 'Every DN SIP Server knows, with its type and static recording configuration',
    access: staff,
    response: dnListSchema,
  },
  configureDn: {
    method: 'put',
    path: '/api/v2/sim/dns/{dn}',
    summary: 'Configure a DN (admin): type and record=true|false; audited',
    access: admin,
    params: z.object({ dn: dnSchema }),
    body: dnConfigRequestSchema,
    response: dnConfigSchema,
  },
  startScenario: {
    method: 'post',
    path: '/api/v2/sim/scenarios',
    summary: 'Run a scripted call (202 with the run; ?wait=1 answers when it has finished; ?speed=N divides delays)',
    access: staff,
    query: scenarioStartQuerySchema,
    body: scenarioSchema,
    response: scenarioRunSchema,
    status: 202,
  },
  getScenarioRun: {
    method: 'get',
    path: '/api/v2/sim/scenarios/{id}',
    summary: 'A scenario run: progress and step outcomes',
    access: staff,
    params: z.object({ id: z.uuid() }),
    response: scenarioRunSchema,
  },
  listMcps: {
    method: 'get',
    path: '/api/v2/sim/mcps',
    summary: "The Resource Manager's MCP pool",
    access: staff,
    response: mcpPoolSchema,
  },
  failMcp: {
    method: 'post',
    path: '/api/v2/sim/mcps/{name}/fail',
    summary: 'The MCP dies (admin); its sessions move',
    access: admin,
    params: mcpParams,
    response: mcpPoolSchema,
  },
  recoverMcp: {
    method: 'post',
    path: '/api/v2/sim/mcps/{name}/recover',
    summary: 'The MCP answers again (admin)',
    access: admin,
    params: mcpParams,
    response: mcpPoolSchema,
  },
  storageStatus: {
    method: 'get',
    path: '/api/v2/admin/storage',
    summary: 'Finished media files waiting for storage (admin); retried with backoff until stored',
    access: admin,
    response: storageStatusSchema,
  },
  jobOverview: {
    method: 'get',
    path: '/api/v2/admin/jobs',
    summary:
      'The background job queues (admin): waiting, running, retrying and failed jobs per queue, and the jobs that failed',
    access: admin,
    response: jobOverviewSchema,
  },
  retryJob: {
    method: 'post',
    path: '/api/v2/admin/jobs/{queue}/{id}/retry',
    summary: 'Run a failed job again now (admin; 404 when no such job failed); audited',
    access: admin,
    params: jobParamsSchema,
    response: jobOverviewSchema,
  },
  listRecordings: {
    method: 'get',
    path: '/api/v2/recordings',
    summary:
      'Search recordings (* wildcard), newest first unless sort says otherwise (startTime or duration, - for descending), cursor paged',
    access: 'session',
    query: recordingQuerySchema,
    response: recordingListSchema,
  },
  getRecording: {
    method: 'get',
    path: '/api/v2/recordings/{id}',
    summary: 'One recording resource',
    access: 'session',
    params: idParams,
    response: recordingSchema,
  },
  setLabels: {
    method: 'put',
    path: '/api/v2/recordings/{id}/labels',
    summary: "Replace a recording's labels (admin, or a supervisor who may see it); audited",
    access: staff,
    params: idParams,
    body: setLabelsRequestSchema,
    response: recordingSchema,
  },
  setLegalHold: {
    method: 'put',
    path: '/api/v2/recordings/{id}/legal-hold',
    summary: 'Put a recording under legal hold, or lift it (admin); audited',
    access: admin,
    params: idParams,
    body: legalHoldRequestSchema,
    response: recordingSchema,
  },
  deleteRecording: {
    method: 'delete',
    path: '/api/v2/recordings/{id}',
    summary: 'Delete a recording: its files, then its metadata (admin; 409 under legal hold); audited',
    access: admin,
    params: idParams,
    status: 204,
  },
  getCallLadder: {
    method: 'get',
    path: '/api/v2/recordings/{id}/ladder',
    summary:
      "The SIP and MSML messages of the recording's call, kept when the call ended (whoever may see the recording)",
    access: 'session',
    params: idParams,
    response: callLadderSchema,
  },
  mediaTicket: {
    method: 'post',
    path: '/api/v2/recordings/{id}/media/{mediaId}/ticket',
    summary:
      "A ticket that opens this one media file for the caller, for a media element's URL (no token in URLs): used within a minute, alive while in use (15 min idle, 4 h at most, never past the session); purpose download needs the download right",
    access: 'session',
    params: mediaParams,
    body: mediaTicketRequestSchema,
    response: mediaTicketSchema,
    status: 201,
  },
  getMedia: {
    method: 'get',
    path: '/api/v2/recordings/{id}/media/{mediaId}',
    summary:
      'Media bytes (voice MP3 or WAV, muxed screen WebM, thumbnail JPEG); HTTP Range supported. With ?ticket= (no bearer needed): a playback, preview or download, audited once per ticket whatever the ranges. With the bearer token: a download, whatever the Range (admins, and supervisors keeping the download right; 403 otherwise), audited at each request; ?download=1 sends it as an attachment',
    access: 'handler',
    params: mediaParams,
    query: mediaQuerySchema,
  },
  getRetention: {
    method: 'get',
    path: '/api/v2/admin/retention',
    summary: 'The retention rules (admin)',
    access: admin,
    response: retentionRulesSchema,
  },
  setRetention: {
    method: 'put',
    path: '/api/v2/admin/retention',
    summary: 'Replace the retention rules (admin)',
    access: admin,
    body: retentionRulesSchema,
    response: retentionRulesSchema,
  },
  purge: {
    method: 'post',
    path: '/api/v2/admin/purge',
    summary: 'Apply the retention rules now (admin); ?dryRun=1 only lists; legal hold always wins; each purge audited',
    access: admin,
    query: purgeQuerySchema,
    response: purgeResultSchema,
  },
  listAudit: {
    method: 'get',
    path: '/api/v2/admin/audit',
    summary:
      'The audit log, newest first (admin); ?before=<seq> pages back; filter by actor (user id), recordingId (the recording and its media) and action',
    access: admin,
    query: auditQuerySchema,
    response: auditListSchema,
  },
  verifyAudit: {
    method: 'get',
    path: '/api/v2/admin/audit/verify',
    summary: "Checks the audit log's hash chain (admin): an edited, inserted or deleted record is reported",
    access: admin,
    response: auditVerificationSchema,
  },
  listKeys: {
    method: 'get',
    path: '/api/v2/admin/keys',
    summary: 'The tenant keys (admin)',
    access: admin,
    response: tenantKeyListSchema,
  },
  rotateKey: {
    method: 'post',
    path: '/api/v2/admin/keys/rotate',
    summary: 'Make a new tenant key the current one (admin); older media keeps playing with the old keys; audited',
    access: admin,
    response: tenantKeyListSchema,
  },
  screenKey: {
    method: 'get',
    path: '/api/v2/screen-recordings/key',
    summary: 'The tenant public key the desktop encrypts screen recordings with (404 when encryption is off)',
    access: 'session',
    response: tenantPublicKeySchema,
  },
  screenIncident: {
    method: 'post',
    path: '/api/v2/screen-recordings/incidents',
    summary:
      "An agent desktop's screen recording of a call stopped early (disk full, sharing stopped, capture refused): 204, kept in the audit log",
    access: agent,
    body: screenRecordingIncidentSchema,
    status: 204,
  },
  failedScreenUploads: {
    method: 'get',
    path: '/api/v2/admin/screen-uploads/failed',
    summary: 'Screen recordings refused or not muxed, kept apart on disk, newest first (admin)',
    access: admin,
    response: failedScreenUploadListSchema,
  },
  getAgentState: {
    method: 'get',
    path: '/api/v2/agents/me/state',
    summary: "The agent's own Ready / Not Ready state (agents; Not Ready until set)",
    access: agent,
    response: agentStateEventSchema,
  },
  setAgentState: {
    method: 'put',
    path: '/api/v2/agents/me/state',
    summary: 'Set Ready or Not Ready (with a reason); the DN hears EventAgentReady / EventAgentNotReady',
    access: agent,
    body: agentStateRequestSchema,
    response: agentStateEventSchema,
  },
  listUsers: {
    method: 'get',
    path: '/api/v2/admin/users',
    summary: "The tenant's users (admin)",
    access: admin,
    response: userListSchema,
  },
  createUser: {
    method: 'post',
    path: '/api/v2/admin/users',
    summary: 'Create a user (admin; 201; 409 when the username or DN is taken); audited without the password',
    access: admin,
    body: createUserRequestSchema,
    response: userSchema,
    status: 201,
  },
  updateUser: {
    method: 'patch',
    path: '/api/v2/admin/users/{username}',
    summary:
      "Change a user's role, DN, group, password (ends its sessions) or rights: ownRecordings, mayDownload (admin); audited",
    access: admin,
    params: usernameParams,
    body: updateUserRequestSchema,
    response: userSchema,
  },
  setUserRights: {
    method: 'put',
    path: '/api/v2/admin/users/{username}/rights',
    summary: 'Let an agent see the recordings it took part in, or not (admin)',
    access: admin,
    params: usernameParams,
    body: userRightsRequestSchema,
    response: userSchema,
  },
  listGroups: {
    method: 'get',
    path: '/api/v2/admin/groups',
    summary: 'Each group with its supervisors and agents (admin)',
    access: admin,
    response: groupListSchema,
  },
} as const satisfies Record<string, ApiRoute>;

export type ApiRoutes = typeof apiRoutes;
export type ApiRouteName = keyof ApiRoutes;

/** The roles a route admits, for documentation; undefined for `public` and `handler`. */
export function rolesOf(route: ApiRoute): readonly Role[] | undefined {
  if (route.access === 'session') return roleSchema.options;
  return typeof route.access === 'string' ? undefined : route.access;
}
