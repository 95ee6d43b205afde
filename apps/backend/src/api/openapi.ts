import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  apiErrorSchema,
  callActionRequestSchema,
  callSnapshotSchema,
  createCallRequestSchema,
  createCallResponseSchema,
  dnConfigRequestSchema,
  dnConfigSchema,
  eventAckSchema,
  eventErrorSchema,
  failedScreenUploadListSchema,
  ivrRecordRequestSchema,
  loginRequestSchema,
  privateServiceRequestSchema,
  registerAddressRequestSchema,
  registeredAddressesSchema,
  scenarioRunSchema,
  scenarioSchema,
  sendDigitsRequestSchema,
  storageStatusSchema,
  auditListSchema,
  auditVerificationSchema,
  legalHoldRequestSchema,
  purgeResultSchema,
  retentionRulesSchema,
  setLabelsRequestSchema,
  tenantKeyListSchema,
  userRightsRequestSchema,
  tenantPublicKeySchema,
  userSchema,
  loginResponseSchema,
  recordingListSchema,
  recordingQuerySchema,
  recordingSchema,
  traceMessageSchema,
  agentStateEventSchema,
  agentStateRequestSchema,
  screenRecordingIncidentSchema,
  auditQuerySchema,
  callLadderSchema,
  createUserRequestSchema,
  groupListSchema,
  updateUserRequestSchema,
  userListSchema,
  mediaQuerySchema,
  mediaTicketRequestSchema,
  mediaTicketSchema,
} from '@vox/shared';

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  body?: z.ZodType;
  response?: z.ZodType;
  query?: z.ZodObject;
  public?: boolean;
  /** T-Library requests answer EventError, not the `{error}` body */
  tLibrary?: boolean;
}

const mcpPoolSchema = z.object({
  mcps: z.array(z.object({ name: z.string(), load: z.number(), healthy: z.boolean() })),
});

const callActions: Array<[string, string]> = [
  ['answer', 'The ringing DN answers'],
  ['release', 'The party on dn leaves; the call ends when fewer than two parties remain'],
  ['transfer', 'Single-step transfer: dn leaves, toDn rings in its place'],
  ['conference', 'Single-step conference: toDn rings and joins on answer'],
  ['initiate-transfer', 'Two-step transfer: dn holds the call and consults toDn on a new call (returned)'],
  ['complete-transfer', 'The consulted party joins the call, dn leaves it'],
  ['initiate-conference', 'Two-step conference: dn holds the call and consults toDn on a new call (returned)'],
  ['complete-conference', 'The consulted party joins the call, dn is back in it'],
];

const operations: Operation[] = [
  {
    method: 'post',
    path: '/api/v2/auth/login',
    summary: 'Log in; returns a bearer token',
    body: loginRequestSchema,
    response: loginResponseSchema,
    public: true,
  },
  {
    method: 'post',
    path: '/api/v2/auth/logout',
    summary: "Ends the bearer token's session (204): the token is refused from then on and its sockets close",
  },
  {
    method: 'post',
    path: '/api/v2/sim/calls',
    summary: 'Route an inbound call to a DN (TRouteCall); record=source|destination starts recording on answer',
    body: createCallRequestSchema,
    response: createCallResponseSchema,
  },
  {
    method: 'get',
    path: '/api/v2/sim/calls',
    summary: "The calls a DN is a party of now (a desktop's catch-up)",
    query: z.object({ dn: z.string() }),
    response: z.object({ calls: z.array(callSnapshotSchema) }),
  },
  { method: 'get', path: '/api/v2/sim/calls/{connId}', summary: 'One active call', response: callSnapshotSchema },
  ...callActions.map(([action, summary]): Operation => ({
    method: 'post',
    path: `/api/v2/sim/calls/{connId}/${action}`,
    summary,
    body: callActionRequestSchema,
    response: callSnapshotSchema,
  })),
  {
    method: 'post',
    path: '/api/v2/sim/calls/{connId}/digits',
    summary: 'The party on dn keys DTMF digits (relayed to the MCP in SIP INFO)',
    body: sendDigitsRequestSchema,
    response: callSnapshotSchema,
  },
  {
    method: 'post',
    path: '/api/v2/sim/calls/{connId}/ivr-record',
    summary: 'IVR application recording control, as VoiceXML <log gvp:dest="record">start|pause|resume|stop</log>',
    body: ivrRecordRequestSchema,
    response: eventAckSchema,
    tLibrary: true,
  },
  {
    method: 'post',
    path: '/api/v2/sim/private-service',
    summary: 'TPrivateService GSIP_RECORD_START 3013, STOP 3014, PAUSE 3015, RESUME 3016; EventACK or EventError',
    body: privateServiceRequestSchema,
    response: eventAckSchema,
    tLibrary: true,
  },
  {
    method: 'post',
    path: '/api/v2/sim/register',
    summary: 'TRegisterAddress: act on behalf of a DN in TPrivateService',
    body: registerAddressRequestSchema,
    response: registeredAddressesSchema,
  },
  {
    method: 'get',
    path: '/api/v2/sim/register',
    summary: 'The DNs you registered',
    response: registeredAddressesSchema,
  },
  {
    method: 'get',
    path: '/api/v2/sim/dns',
    summary: 'Every DN SIP Server knows, with its type and static recording configuration',
    response: z.object({ dns: z.array(dnConfigSchema) }),
  },
  {
    method: 'put',
    path: '/api/v2/sim/dns/{dn}',
    summary: 'Configure a DN (admin): type and record=true|false; audited',
    body: dnConfigRequestSchema,
    response: dnConfigSchema,
  },
  {
    method: 'post',
    path: '/api/v2/sim/scenarios',
    summary: 'Run a scripted call (202 with the run; ?wait=1 answers when it has finished; ?speed=N divides delays)',
    query: z.object({ wait: z.enum(['0', '1']).optional(), speed: z.number().optional() }),
    body: scenarioSchema,
    response: scenarioRunSchema,
  },
  {
    method: 'get',
    path: '/api/v2/sim/scenarios/{id}',
    summary: 'A scenario run: progress and step outcomes',
    response: scenarioRunSchema,
  },
  {
    method: 'get',
    path: '/api/v2/admin/storage',
    summary: 'Finished media files waiting for storage (admin); retried with backoff until stored',
    response: storageStatusSchema,
  },
  {
    method: 'put',
    path: '/api/v2/recordings/{id}/labels',
    summary: "Replace a recording's labels (admin, or a supervisor who may see it); audited",
    body: setLabelsRequestSchema,
    response: recordingSchema,
  },
  {
    method: 'put',
    path: '/api/v2/recordings/{id}/legal-hold',
    summary: 'Put a recording under legal hold, or lift it (admin); audited',
    body: legalHoldRequestSchema,
    response: recordingSchema,
  },
  {
    method: 'delete',
    path: '/api/v2/recordings/{id}',
    summary: 'Delete a recording: its files, then its metadata (admin; 409 under legal hold); audited',
  },
  {
    method: 'get',
    path: '/api/v2/admin/retention',
    summary: 'The retention rules (admin)',
    response: retentionRulesSchema,
  },
  {
    method: 'put',
    path: '/api/v2/admin/retention',
    summary: 'Replace the retention rules (admin)',
    body: retentionRulesSchema,
    response: retentionRulesSchema,
  },
  {
    method: 'post',
    path: '/api/v2/admin/purge',
    summary: 'Apply the retention rules now (admin); ?dryRun=1 only lists; legal hold always wins; each purge audited',
    query: z.object({ dryRun: z.enum(['0', '1']).optional() }),
    response: purgeResultSchema,
  },
  {
    method: 'put',
    path: '/api/v2/admin/users/{username}/rights',
    summary: 'Let an agent see the recordings it took part in, or not (admin)',
    body: userRightsRequestSchema,
    response: userSchema,
  },
  {
    method: 'get',
    path: '/api/v2/screen-recordings/key',
    summary: 'The tenant public key the desktop encrypts screen recordings with (404 when encryption is off)',
    response: tenantPublicKeySchema,
  },
  {
    method: 'post',
    path: '/api/v2/screen-recordings/incidents',
    summary:
      "An agent desktop's screen recording of a call stopped early (disk full, sharing stopped, capture refused): 204, kept in the audit log",
    body: screenRecordingIncidentSchema,
  },
  {
    method: 'get',
    path: '/api/v2/agents/me/state',
    summary: "The agent's own Ready / Not Ready state (agents; Not Ready until set)",
    response: agentStateEventSchema,
  },
  {
    method: 'put',
    path: '/api/v2/agents/me/state',
    summary: 'Set Ready or Not Ready (with a reason); the DN hears EventAgentReady / EventAgentNotReady',
    body: agentStateRequestSchema,
    response: agentStateEventSchema,
  },
  { method: 'get', path: '/api/v2/admin/keys', summary: 'The tenant keys (admin)', response: tenantKeyListSchema },
  {
    method: 'post',
    path: '/api/v2/admin/keys/rotate',
    summary: 'Make a new tenant key the current one (admin); older media keeps playing with the old keys; audited',
    response: tenantKeyListSchema,
  },
  {
    method: 'get',
    path: '/api/v2/admin/audit',
    summary:
      'The audit log, newest first (admin); ?before=<seq> pages back; filter by actor (user id), recordingId (the recording and its media) and action',
    query: auditQuerySchema,
    response: auditListSchema,
  },
  {
    method: 'get',
    path: '/api/v2/admin/users',
    summary: "The tenant's users (admin)",
    response: userListSchema,
  },
  {
    method: 'post',
    path: '/api/v2/admin/users',
    summary: 'Create a user (admin; 201; 409 when the username or DN is taken); audited without the password',
    body: createUserRequestSchema,
    response: userSchema,
  },
  {
    method: 'patch',
    path: '/api/v2/admin/users/{username}',
    summary:
      "Change a user's role, DN, group, password (ends its sessions) or rights: ownRecordings, mayDownload (admin); audited",
    body: updateUserRequestSchema,
    response: userSchema,
  },
  {
    method: 'get',
    path: '/api/v2/admin/groups',
    summary: 'Each group with its supervisors and agents (admin)',
    response: groupListSchema,
  },
  {
    method: 'get',
    path: '/api/v2/recordings/{id}/ladder',
    summary:
      "The SIP and MSML messages of the recording's call, kept when the call ended (whoever may see the recording)",
    response: callLadderSchema,
  },
  {
    method: 'get',
    path: '/api/v2/admin/audit/verify',
    summary: "Checks the audit log's hash chain (admin): an edited, inserted or deleted record is reported",
    response: auditVerificationSchema,
  },
  {
    method: 'get',
    path: '/api/v2/admin/screen-uploads/failed',
    summary: 'Screen recordings refused or not muxed, kept apart on disk, newest first (admin)',
    response: failedScreenUploadListSchema,
  },
  { method: 'get', path: '/api/v2/sim/mcps', summary: "The Resource Manager's MCP pool", response: mcpPoolSchema },
  {
    method: 'post',
    path: '/api/v2/sim/mcps/{name}/fail',
    summary: 'The MCP dies (admin); its sessions move',
    response: mcpPoolSchema,
  },
  {
    method: 'post',
    path: '/api/v2/sim/mcps/{name}/recover',
    summary: 'The MCP answers again (admin)',
    response: mcpPoolSchema,
  },
  {
    method: 'get',
    path: '/api/v2/sim/calls/{connId}/trace',
    summary: "The call's SIP and MSML messages in order",
    response: z.object({ messages: z.array(traceMessageSchema) }),
  },
  {
    method: 'get',
    path: '/api/v2/recordings',
    summary:
      'Search recordings (* wildcard), newest first unless sort says otherwise (startTime or duration, - for descending), cursor paged',
    query: recordingQuerySchema,
    response: recordingListSchema,
  },
  { method: 'get', path: '/api/v2/recordings/{id}', summary: 'One recording resource', response: recordingSchema },
  {
    method: 'post',
    path: '/api/v2/recordings/{id}/media/{mediaId}/ticket',
    summary:
      "A ticket that opens this one media file for the caller, for a media element's URL (no token in URLs): used within a minute, alive while in use (15 min idle, 4 h at most, never past the session); purpose download needs the download right",
    body: mediaTicketRequestSchema,
    response: mediaTicketSchema,
  },
  {
    method: 'get',
    path: '/api/v2/recordings/{id}/media/{mediaId}',
    summary:
      'Media bytes (voice MP3 or WAV, muxed screen WebM, thumbnail JPEG); HTTP Range supported. With ?ticket= (no bearer needed): a playback, preview or download, audited once per ticket whatever the ranges. With the bearer token: a download, whatever the Range (admins, and supervisors keeping the download right; 403 otherwise), audited at each request; ?download=1 sends it as an attachment',
    query: mediaQuerySchema,
  },
];

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

/** The OpenAPI 3.1 document of the REST API, generated from the shared schemas it validates with. */
export function openApiDocument(): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters = [
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries(op.query?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: !(schema as z.ZodType).safeParse(undefined).success,
        schema: jsonSchema(schema as z.ZodType),
      })),
    ];
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(op.public ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } }
        : {}),
      responses: {
        '200': {
          description: 'OK',
          ...(op.response ? { content: { 'application/json': { schema: jsonSchema(op.response) } } } : {}),
        },
        '4XX': {
          description: op.tLibrary ? 'EventError: SIP Server refused the request' : 'The caller got something wrong',
          content: { 'application/json': { schema: jsonSchema(op.tLibrary ? eventErrorSchema : apiErrorSchema) } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Vox Recorder API', version: '2.0.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}

export function registerOpenApi(app: FastifyInstance): void {
  const document = openApiDocument();
  app.get('/api/v2/openapi.json', async () => document);
}
