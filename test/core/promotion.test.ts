import { parseCommand } from '../../core/commands/parse';

const parse = (line: string) => parseCommand(line, { stacks: ['vpc'], services: ['payments-api'], releases: [] });
import { validateConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import type { PromotionEvidence, PromotionRecord } from '../../core/promotion';
import { changeRecordLines, judgePromotion, previousStage } from '../../core/promotion';
import { buildOperationMessage } from '../../presentation/slack/operation-message';
import { renderState } from '../../presentation/text/render';

/** The pure half of promotions: the stage order, the judgement of what was read, the card and the CM-3 record. */
describe('promotion preconditions (core/promotion.ts)', () => {
  const digest = 'sha256:' + 'a'.repeat(64);
  const artifact = {
    tag: '1.4.2',
    digest,
    reference: `ghcr.io/example/payments-api@${digest}`,
    registry: 'http://127.0.0.1:5000',
  };
  const passedVerify = {
    kind: 'service' as const,
    environment: 'tst' as const,
    subject: 'payments-api',
    target: 'payments-tst',
    checkedAt: '2026-12-06T10:00:00Z',
    status: 'PASSED' as const,
    checks: [{ name: 'pods Ready', passed: true, detail: '2/2' }],
    notes: [],
    summary: 'ok',
  };
  const evidence = (over: Partial<PromotionEvidence> = {}): PromotionEvidence => ({
    from: 'tst',
    live: { colour: 'green', image: artifact.reference, ready: 2, replicas: 2 },
    runningSince: '2026-12-06T09:00:00.000Z',
    everCompleted: true,
    verification: passedVerify,
    soakSeconds: 3600,
    ...over,
  });
  const judge = (e: PromotionEvidence, now = Date.parse('2026-12-06T10:30:00Z')) =>
    judgePromotion({
      service: 'payments-api',
      to: 'prd',
      artifact,
      evidence: e,
      gate: { passed: true, provider: 'trivy', summary: 'no blocking findings' },
      freeze: undefined,
      now,
    });
  const failed = (e: PromotionEvidence, now?: number) =>
    judge(e, now)
      .filter((c) => !c.passed)
      .map((c) => `${c.name}: ${c.detail}`);

  it('GIVEN the stage order THEN dev has no previous stage, tst comes from dev and prd from tst', () => {
    expect([previousStage('dev'), previousStage('tst'), previousStage('prd')]).toEqual([undefined, 'dev', 'tst']);
  });

  it('GIVEN the digest live, Ready, verified and soaked in tst THEN every check passes', () => {
    expect(failed(evidence())).toEqual([]);
    expect(judge(evidence())[2]!.detail).toBe('running in tst since 2026-12-06T09:00:00.000Z (1h 30m, needs 1h)');
  });

  it('GIVEN only 20 minutes in tst of a 1 h soak THEN the soak check says from when it may be promoted', () => {
    expect(failed(evidence(), Date.parse('2026-12-06T09:20:00Z'))).toEqual([
      'soak time: running in tst since 2026-12-06T09:00:00.000Z, only 20m of 1h: it can be promoted from 2026-12-06T10:00:00.000Z',
    ]);
  });

  it('GIVEN a digest that never completed a rollout in tst THEN the skipped stage is named', () => {
    const e = evidence({ live: undefined, runningSince: undefined, everCompleted: false });
    expect(failed(e)[0]).toBe(
      `previous stage: skipped stage: ${digest} never ran in tst; promote payments-api 1.4.2 to tst first`,
    );
  });

  it('GIVEN the digest live but no pod Ready THEN the previous stage check fails with the count', () => {
    expect(failed(evidence({ live: { colour: 'blue', image: artifact.reference, ready: 0, replicas: 2 } }))).toEqual([
      `previous stage: tst: blue runs ${digest} but 0/2 Ready`,
    ]);
  });

  it('GIVEN a promotion record THEN its CM-3 change record names who, what, from/to, when and the checks', () => {
    const record: PromotionRecord = {
      operationId: 'promote/prd/payments-api',
      service: 'payments-api',
      version: '1.4.2',
      digest,
      from: 'tst',
      to: 'prd',
      requestedBy: 'alice',
      requestedAt: '2026-12-06T10:30:00.000Z',
      approvedBy: [{ approver: 'bob', at: '2026-12-06T10:35:00.000Z', mfa: true }],
      outcome: 'succeeded',
      message: 'promoted',
      finishedAt: '2026-12-06T10:50:00.000Z',
      checks: judge(evidence()),
      rollout: { operationId: 'rollout/prd/payments-api', outcome: 'succeeded' },
    };
    const lines = changeRecordLines(record);
    expect(lines.slice(0, 7)).toEqual([
      'CM-3 change record promote/prd/payments-api (2026-12-06T10:30:00.000Z)',
      '  change: promote payments-api 1.4.2 tst → prd',
      `  artifact: ${digest}`,
      '  requested by: alice at 2026-12-06T10:30:00.000Z',
      '  approved by: bob at 2026-12-06T10:35:00.000Z (MFA)',
      '  outcome: succeeded at 2026-12-06T10:50:00.000Z: promoted',
      '  rollout: rollout/prd/payments-api succeeded',
    ]);
    expect(lines).toContain('    ✓ change freeze: no change freeze in prd');
  });

  it('GIVEN a promotion awaiting approval THEN the terminal and the Slack card show each check with ✓/✗', () => {
    const state: OperationState = {
      operationId: 'promote/prd/payments-api',
      kind: 'promotion',
      environment: 'prd',
      target: 'payments-prd/payments-api',
      requester: { userId: 'alice', displayName: 'Alice', via: 'cli', requestId: 'r1' },
      startedAt: '2026-12-06T10:30:00.000Z',
      phase: 'awaiting-approval',
      findings: [],
      approvalsRequired: 1,
      approvals: [],
      events: [],
      preview: { artifactId: `${artifact.reference}@prd#run`, stackName: 'payments-api', changes: [] },
      promotion: {
        service: 'payments-api',
        version: '1.4.2',
        from: 'tst',
        to: 'prd',
        digest,
        checks: judge(evidence()),
      },
    };
    const text = renderState(state);
    expect(text).toContain(`promote payments-api 1.4.2: tst → prd, digest ${digest}`);
    expect(text).toContain('  ✓ soak time: running in tst since 2026-12-06T09:00:00.000Z (1h 30m, needs 1h)');
    const card = JSON.stringify(
      buildOperationMessage(state, {
        env: { name: 'prd', account: '123456789012', region: 'us-east-1', approval: { mfa: true } },
        mention: (u: string) => `<@${u}>`,
      } as unknown as Parameters<typeof buildOperationMessage>[1]).blocks,
    );
    expect(card).toContain('[PRD] Promote payments-prd/payments-api');
    expect(card).toContain('✓ security gate: prd: no blocking findings');
  });

  it('GIVEN the grammar and the config THEN promote and promotions parse, and a bad soak is named', () => {
    expect(parse('promote payments-api 1.4.2 to tst')).toMatchObject({
      ok: true,
      command: { name: 'promote', service: 'payments-api', version: '1.4.2', env: 'tst' },
    });
    expect(parse('promotions prd')).toMatchObject({ ok: true, command: { name: 'promotions', env: 'prd' } });
    expect(parse('promote payments-api 1.4.2 to qa').ok).toBe(false);
    expect(validateConfigIssues({ soak: 'an hour' })).toContainEqual(
      expect.objectContaining({
        path: 'environments.tst.soak',
        problem: expect.stringContaining("'an hour' is not a duration"),
      }),
    );
    expect(validateConfigIssues({})).toEqual([]);
    expect(soaks).toEqual([600, 3600]);
    expect(validateConfigIssues({ soak: '5m' })).toEqual([]);
    expect(soaks).toEqual([600, 300]);
  });
});

/** A minimal config with `tst` settings added, validated: its issues (none when valid) and soak times. */
function validateConfigIssues(tst: Record<string, unknown>): readonly { path: string; problem: string }[] {
  const env = { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } };
  const r = validateConfig({
    temporal: { address: '127.0.0.1:7233' },
    audit: { path: '/tmp/audit.jsonl' },
    users: { alice: { groups: ['platform'] } },
    stacks: {},
    environments: { dev: env, tst: { ...env, ...tst }, prd: env },
  });
  if (r.ok) {
    soaks = [r.config.environments.dev.soakSeconds, r.config.environments.tst.soakSeconds];
    return [];
  }
  return r.issues;
}
let soaks: number[] = [];
