/** The verification's judgement (core/verify): pure, from what the activities read. */
import type { LiveColour, ServiceLiveState } from '../../core/drift/kubernetes';
import { ALERT_KEY, remediateCommandOf } from '../../core/alerts/alert';
import { parseCommand } from '../../core/commands/parse';
import { buildServiceVerifyReport } from '../../core/verify/service';
import type { StackVerifyState } from '../../core/verify/stack';
import { buildStackVerifyReport } from '../../core/verify/stack';

const at = '2026-12-06T02:00:00.000Z';
const deployed: StackVerifyState = {
  stackName: 'infra-agent-dev-vpc',
  checkedAt: at,
  exists: true,
  status: 'UPDATE_COMPLETE',
  declared: [
    { logicalId: 'Vpc', type: 'AWS::EC2::VPC' },
    { logicalId: 'Nat', type: 'AWS::EC2::NatGateway', condition: 'WithNat' },
  ],
  declaredOutputs: [{ key: 'VpcId' }, { key: 'NatId', condition: 'WithNat' }],
  resources: [{ logicalId: 'Vpc', type: 'AWS::EC2::VPC', physicalId: 'vpc-1', status: 'CREATE_COMPLETE' }],
  outputs: { VpcId: 'vpc-1' },
  lookups: [{ logicalId: 'Vpc', type: 'AWS::EC2::VPC', physicalId: 'vpc-1', found: true }],
};
const failed = (s: StackVerifyState) =>
  buildStackVerifyReport('dev', 'vpc', s)
    .checks.filter((c) => !c.passed)
    .map((c) => `${c.name}: ${c.detail}`);

describe('stack verification', () => {
  test('GIVEN a settled stack WHEN judged THEN resources and outputs behind a false condition pass as not created', () => {
    const r = buildStackVerifyReport('dev', 'vpc', deployed);
    expect(r.status).toBe('PASSED');
    expect(r.fingerprint).toBeUndefined();
    expect(r.summary).toBe('stack vpc in dev: PASSED — 6 checks passed');
    expect(r.checks.find((c) => c.name === 'resource Nat (AWS::EC2::NatGateway)')?.detail).toBe(
      'not created: condition WithNat is false in this deployment',
    );
  });

  test('GIVEN a rolled-back stack, a missing resource, an empty output and an extra resource THEN each fails with why', () => {
    const s: StackVerifyState = {
      ...deployed,
      status: 'UPDATE_ROLLBACK_COMPLETE',
      reason: 'Resource creation cancelled',
      declared: [...deployed.declared!, { logicalId: 'Subnet', type: 'AWS::EC2::Subnet' }],
      resources: [
        ...deployed.resources,
        { logicalId: 'Old', type: 'AWS::EC2::Subnet', status: 'DELETE_FAILED', reason: 'in use' },
      ],
      outputs: { VpcId: ' ' },
    };
    expect(failed(s)).toEqual([
      'stack status: UPDATE_ROLLBACK_COMPLETE — Resource creation cancelled',
      'resource Subnet (AWS::EC2::Subnet): declared in the deployed template, but the stack has no such resource',
      'resource Old (AWS::EC2::Subnet): DELETE_FAILED: on the stack but not in its deployed template',
      'output VpcId: present but empty',
    ]);
    const r = buildStackVerifyReport('dev', 'vpc', s);
    expect(r.status).toBe('FAILED');
    expect(r.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // The same failures are the same alert; a different one is a new fingerprint.
    expect(buildStackVerifyReport('dev', 'vpc', { ...s, checkedAt: 'later' }).fingerprint).toBe(r.fingerprint);
    expect(buildStackVerifyReport('dev', 'vpc', { ...s, outputs: {} }).fingerprint).not.toBe(r.fingerprint);
  });

  test('GIVEN an unreadable template or a resource gone from EC2 THEN that is a failed check, not a crash', () => {
    const { declared: _d, declaredOutputs: _o, ...rest } = deployed;
    expect(
      failed({
        ...rest,
        templateError: 'not valid YAML/JSON: x',
        lookups: [{ ...deployed.lookups[0]!, found: false }],
      }),
    ).toEqual([
      'deployed template: could not be read: not valid YAML/JSON: x',
      'live Vpc (AWS::EC2::VPC): vpc-1 is not found in EC2 (deleted outside infra-agent?)',
    ]);
  });

  test('GIVEN a stack never deployed THEN NOT_DEPLOYED names the stack and the environment', () => {
    const r = buildStackVerifyReport('prd', 'vpc', {
      stackName: 'infra-agent-prd-vpc',
      checkedAt: at,
      exists: false,
      resources: [],
      outputs: {},
      lookups: [],
    });
    expect(r).toMatchObject({ status: 'NOT_DEPLOYED', checks: [] });
    expect(r.summary).toBe(
      'stack vpc in prd: NOT DEPLOYED — infra-agent-prd-vpc (stack vpc) has never been deployed to prd',
    );
  });
});

describe('service verification', () => {
  const green: LiveColour = {
    colour: 'green',
    name: 'api-green',
    exists: true,
    image: 'ghcr.io/x/api:1.0.0',
    replicas: 2,
    readyReplicas: 2,
    pods: 2,
    podsReady: 2,
    recorded: { image: 'ghcr.io/x/api:1.0.0' },
  };
  const state = (c: LiveColour, weights = { blue: 10, green: 90 }): ServiceLiveState => ({
    service: 'api',
    namespace: 'api-dev',
    checkedAt: at,
    colours: [{ colour: 'blue', name: 'api-blue', exists: false }, c],
    weights,
  });
  const failures = (s: ServiceLiveState) =>
    buildServiceVerifyReport('dev', s)
      .checks.filter((c) => !c.passed)
      .map((c) => `${c.name}: ${c.detail}`);

  test('GIVEN the live colour Ready on the applied image THEN it passes, saying no HTTP probe is configured', () => {
    const r = buildServiceVerifyReport('dev', state(green));
    expect(r.status).toBe('PASSED');
    expect(r.checks[0]!.detail).toBe('live colour green (90% of the traffic): api-green');
    expect(r.notes[0]).toMatch(/^HTTP probe: not configured/);
  });

  test('GIVEN replicas not Ready, a crashing pod and no recorded image THEN each fails with why', () => {
    const { recorded: _r, ...unrecorded } = green;
    expect(
      failures(state({ ...unrecorded, readyReplicas: 1, podsReady: 1, podProblem: 'api-green-x: CrashLoopBackOff' })),
    ).toEqual([
      'replicas Ready: 1 of 2 desired replicas Ready',
      'pods Ready: 1 of 2 pods Ready — api-green-x: CrashLoopBackOff',
      'image: ghcr.io/x/api:1.0.0: no rollout recorded what it applied on api-green, so it cannot be verified',
    ]);
  });

  test('GIVEN the colour taking traffic is gone, or no split at all THEN failed, or not deployed', () => {
    expect(failures(state({ colour: 'green', name: 'api-green', exists: false }))).toEqual([
      'deployment: live colour green (90% of the traffic): its Deployment api-green is gone',
    ]);
    const { weights: _w, ...never } = state(green);
    expect(buildServiceVerifyReport('dev', never).summary).toBe(
      'service api in dev: NOT DEPLOYED — service api has never been rolled out to dev (no traffic split)',
    );
  });
});

describe('verify commands and alert ids', () => {
  const known = { stacks: ['vpc'], services: ['payments-api'], releases: [] };
  test.each([
    ['verify vpc dev', { name: 'verify-stack', stack: 'vpc', env: 'dev' }],
    ['verify stack vpc in prd', { name: 'verify-stack', stack: 'vpc', env: 'prd' }],
    ['verify service payments-api dev', { name: 'verify-service', service: 'payments-api', env: 'dev' }],
  ])('%s parses', (line, command) => {
    expect(parseCommand(line, known)).toEqual({ ok: true, command });
  });

  test('verify alert ids are accepted and offer no remediation', () => {
    expect(ALERT_KEY.test('verify/dev/vpc')).toBe(true);
    expect(ALERT_KEY.test('verify/dev/service-payments-api')).toBe(true);
    expect(remediateCommandOf('verify/dev/vpc')).toBeUndefined();
  });
});
