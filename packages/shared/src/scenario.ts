import { z } from 'zod';
import {
  attachedDataSchema,
  dnConfigRequestSchema,
  dnSchema,
  dtmfDigitsSchema,
  recordingDestSchema,
  routeRecordSchema,
} from './sim.ts';

/** The name a scenario gives a call (`route` and `initiate-*` steps), for later steps to refer to. */
const callNameSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'a call name is a letter then letters/digits');

/** A recording id in a scenario: `{run}` stands for the run's short id, so a scenario can run again. */
const scenarioRecordIdSchema = z
  .string()
  .regex(/^([A-Za-z0-9._-]|\{run\}){1,64}$/, 'a record id is letters, digits, dots, dashes and {run}');

const stepBase = {
  /** wait this long after the previous step (ms) */
  delayMs: z.number().int().min(0).max(3_600_000).default(0),
  /** the call the step acts on; the first routed call when absent */
  call: callNameSchema.optional(),
  /** the step is expected to be refused (an EventError, a 4xx): the run goes on and checks it was */
  expectError: z.boolean().optional(),
};

export const scenarioStepSchema = z.discriminatedUnion('action', [
  z.object({
    ...stepBase,
    action: z.literal('route'),
    as: callNameSchema.optional(),
    ani: dnSchema,
    dnis: dnSchema,
    targetDn: dnSchema,
    record: routeRecordSchema.optional(),
    recordId: scenarioRecordIdSchema.optional(),
    dest: recordingDestSchema.optional(),
    attachedData: attachedDataSchema.optional(),
  }),
  z.object({
    ...stepBase,
    action: z.enum(['answer', 'release', 'complete-transfer', 'complete-conference']),
    dn: dnSchema,
  }),
  z.object({ ...stepBase, action: z.enum(['transfer', 'conference']), dn: dnSchema, toDn: dnSchema }),
  z.object({
    ...stepBase,
    action: z.enum(['initiate-transfer', 'initiate-conference']),
    as: callNameSchema.optional(),
    dn: dnSchema,
    toDn: dnSchema,
  }),
  z.object({ ...stepBase, action: z.literal('digits'), dn: dnSchema, digits: dtmfDigitsSchema }),
  /** TPrivateService GSIP_RECORD_START/STOP/PAUSE/RESUME on behalf of `dn` */
  z.object({
    ...stepBase,
    action: z.enum(['record-start', 'record-stop', 'record-pause', 'record-resume']),
    dn: dnSchema,
    record: z.enum(['source', 'destination']).optional(),
    recordId: scenarioRecordIdSchema.optional(),
  }),
  /** TRegisterAddress: the scenario's T-Library client registers `dn` (admins need not) */
  z.object({ ...stepBase, action: z.literal('register'), dn: dnSchema }),
  /** the MCP recording the call dies (admin); the Resource Manager moves the session */
  z.object({ ...stepBase, action: z.literal('fail-mcp') }),
  /** every failed MCP comes back (admin) */
  z.object({ ...stepBase, action: z.literal('recover-mcps') }),
  /** the IVR application's `<log gvp:dest="record">` on the IVR port `dn` */
  z.object({
    ...stepBase,
    action: z.literal('ivr-record'),
    dn: dnSchema,
    command: z.enum(['start', 'pause', 'resume', 'stop']),
  }),
]);
export type ScenarioStep = z.infer<typeof scenarioStepSchema>;

/** `POST /sim/scenarios` and `npx vox-sim run file.json`: a scripted call. */
export const scenarioSchema = z.object({
  name: z.string().min(1).max(120),
  description: z.string().max(2000).optional(),
  /** static DN configuration applied before the first step (admin only) */
  dns: z.record(dnSchema, dnConfigRequestSchema).optional(),
  steps: z.array(scenarioStepSchema).min(1).max(500),
});
export type Scenario = z.infer<typeof scenarioSchema>;

export const scenarioStepResultSchema = z.object({
  index: z.number().int(),
  action: z.string(),
  at: z.string(),
  outcome: z.enum(['ok', 'refused', 'failed']),
  /** what came back: the call's state, EventACK, EventError or the error */
  detail: z.string(),
  connId: z.string().optional(),
});
export type ScenarioStepResult = z.infer<typeof scenarioStepResultSchema>;

export const scenarioRunSchema = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(['running', 'passed', 'failed']),
  stepsDone: z.number().int(),
  stepsTotal: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** the calls the scenario made, by name */
  calls: z.record(z.string(), z.object({ connId: z.string(), callUuid: z.string() })),
  results: z.array(scenarioStepResultSchema),
  /** why the run failed: a step that was refused unexpectedly, or accepted when it should not be */
  failure: z.string().optional(),
});
export type ScenarioRun = z.infer<typeof scenarioRunSchema>;
