import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioStepSchema, type ApiClient, type Scenario, type ScenarioStep } from '@vox/shared';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';

let backend: VoxTestBackend;
let admin: ApiClient;

beforeAll(async () => {
  backend = await VoxTestBackend.start();
  admin = await backend.client('admin');
});

afterAll(async () => {
  await backend?.stop();
});

interface MatrixCase {
  name: string;
  action: 'transfer' | 'conference';
  /** A answers the call, B joins it; the customer C is never recording-enabled here */
  aRecords: boolean;
  bRecords: boolean;
  /** for a conference: who leaves first (the others release 1 s later) */
  firstToLeave?: 'A' | 'B';
  /** the recording's span, in the 1-second phases: A alone, A+B (or B alone), after the first leaves */
  expected: { phases: number; recordDn: 'A' | 'B' } | 'not recorded';
}

const phaseMs = 1000;

/**
 * Who is recording-enabled and who leaves first, on DNs of their own per case so the cases run
 * at once: each call has three 1-second phases (A with the customer; after the transfer or
 * conference; after the first party leaves), and the recording must cover exactly the phases in
 * which a recording-enabled party was in the call.
 */
const cases: MatrixCase[] = [
  {
    name: 'transfer, A enabled, B not',
    action: 'transfer',
    aRecords: true,
    bRecords: false,
    expected: { phases: 1, recordDn: 'A' },
  },
  {
    name: 'transfer, B enabled, A not',
    action: 'transfer',
    aRecords: false,
    bRecords: true,
    expected: { phases: 2, recordDn: 'B' },
  },
  {
    name: 'transfer, both enabled',
    action: 'transfer',
    aRecords: true,
    bRecords: true,
    expected: { phases: 3, recordDn: 'A' },
  },
  { name: 'transfer, neither enabled', action: 'transfer', aRecords: false, bRecords: false, expected: 'not recorded' },
  {
    name: 'conference, B enabled, B leaves first',
    action: 'conference',
    aRecords: false,
    bRecords: true,
    firstToLeave: 'B',
    expected: { phases: 1, recordDn: 'B' },
  },
  {
    name: 'conference, B enabled, A leaves first',
    action: 'conference',
    aRecords: false,
    bRecords: true,
    firstToLeave: 'A',
    expected: { phases: 2, recordDn: 'B' },
  },
  {
    name: 'conference, A enabled, A leaves first',
    action: 'conference',
    aRecords: true,
    bRecords: false,
    firstToLeave: 'A',
    expected: { phases: 2, recordDn: 'A' },
  },
  {
    name: 'conference, both enabled, A leaves first',
    action: 'conference',
    aRecords: true,
    bRecords: true,
    firstToLeave: 'A',
    expected: { phases: 3, recordDn: 'A' },
  },
];

function scenarioFor(c: MatrixCase, index: number): { scenario: Scenario; a: string; b: string } {
  const a = `71${index}1`;
  const b = `71${index}2`;
  const step = (fields: Record<string, unknown>) => scenarioStepSchema.parse(fields);
  const steps: ScenarioStep[] = [
    step({ action: 'route', ani: `55501${index}0`, dnis: '8005550100', targetDn: a }),
    step({ action: 'answer', dn: a }),
    step({ action: c.action, dn: a, toDn: b, delayMs: phaseMs }),
    step({ action: 'answer', dn: b }),
  ];
  if (c.action === 'transfer') {
    // After the transfer: B with the customer for two phases (the third stands for "after A left").
    steps.push(step({ action: 'release', dn: b, delayMs: 2 * phaseMs }));
  } else {
    const first = c.firstToLeave === 'A' ? a : b;
    const second = c.firstToLeave === 'A' ? b : a;
    steps.push(
      step({ action: 'release', dn: first, delayMs: phaseMs }),
      step({ action: 'release', dn: second, delayMs: phaseMs }),
    );
  }
  return {
    scenario: {
      name: c.name,
      dns: { [a]: { type: 'Extension', record: c.aRecords }, [b]: { type: 'Extension', record: c.bRecords } },
      steps,
    },
    a,
    b,
  };
}

describe.concurrent('recording across transfers and conferences: who is recording-enabled, who leaves first', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, index) => {
    const { scenario, a, b } = scenarioFor(c, index);
    const run = await admin.call('startScenario', { query: { wait: '1' }, body: scenario });
    expect(run.failure).toBeUndefined();
    const connId = run.calls.main!.connId;
    if (c.expected === 'not recorded') {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await admin.call('listRecordings', { query: { connId } })).toMatchObject({ recordings: [] });
      return;
    }
    const recordings = await backend.recordingsOf(connId);
    expect(recordings).toHaveLength(1);
    expect(recordings[0]?.recordDN).toBe(c.expected.recordDn === 'A' ? a : b);
    expect(recordings[0]?.mediaFiles).toHaveLength(1);
    const duration = recordings[0]!.mediaFiles[0]!.duration;
    expect(duration).toBeGreaterThan(c.expected.phases * phaseMs - 300);
    expect(duration).toBeLessThan(c.expected.phases * phaseMs + 300);
  });
});
