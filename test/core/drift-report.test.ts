import type { DriftIgnoreRule, RawStackDrift } from '../../core/drift/report';
import { buildStackDriftReport, driftFingerprint, ignoringRule } from '../../core/drift/report';
import { readDriftConfig } from '../../core/drift/settings';
import { parseCommand } from '../../core/commands/parse';

const NO_TRAIL = { available: false, reason: 'no CloudTrail here' } as const;

function raw(resources: RawStackDrift['resources']): RawStackDrift {
  return {
    stackName: 'infra-agent-dev-security-groups',
    stackId: 'arn:stack/x',
    stackStatus: 'UPDATE_COMPLETE',
    detectionId: 'd-1',
    driftStatus: 'DRIFTED',
    detectionStatus: 'DETECTION_COMPLETE',
    checkedAt: '2026-12-05T07:00:00.000Z',
    resources,
  };
}

const sgAdd = {
  path: '/SecurityGroupIngress/1',
  type: 'ADD' as const,
  expected: 'null',
  actual: '{"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}',
};
const awsTag = {
  path: '/Tags/5',
  type: 'ADD' as const,
  expected: 'null',
  actual: '{"Key":"aws:cloudformation:x","Value":"y"}',
};
const reordered = { path: '/SubnetIds', type: 'NOT_EQUAL' as const, expected: '["a","b"]', actual: '["b","a"]' };

const RULES: DriftIgnoreRule[] = [
  { name: 'aws-tags', path: '/Tags/*', type: 'ADD', actualMatches: '"Key":"aws:', reason: 'tags AWS adds itself' },
  { name: 'list-order', orderOnly: true, reason: 'same items, other order' },
  { name: 'autoscaler', resourceType: 'AWS::EKS::*', path: '/ScalingConfig/DesiredSize', reason: 'autoscaler' },
];

describe('drift report: ignore list, fingerprint, summary', () => {
  test('GIVEN the ignore rules WHEN differences match THEN they move aside with the rule and reason', () => {
    expect(ignoringRule(RULES, 'AWS::EC2::SecurityGroup', awsTag)?.name).toBe('aws-tags');
    expect(ignoringRule(RULES, 'AWS::EC2::SecurityGroup', reordered)?.name).toBe('list-order');
    expect(ignoringRule(RULES, 'AWS::EC2::SecurityGroup', sgAdd)).toBeUndefined();
    const scaled = { path: '/ScalingConfig/DesiredSize', type: 'NOT_EQUAL' as const, expected: '3', actual: '5' };
    expect(ignoringRule(RULES, 'AWS::EKS::Nodegroup', scaled)?.name).toBe('autoscaler');
    expect(ignoringRule(RULES, 'AWS::AutoScaling::AutoScalingGroup', scaled)).toBeUndefined();
    // a tag the team set, removed: not noise
    const ownTag = {
      path: '/Tags/2',
      type: 'REMOVE' as const,
      expected: '{"Key":"Owner","Value":"x"}',
      actual: 'null',
    };
    expect(ignoringRule(RULES, 'AWS::EC2::SecurityGroup', ownTag)).toBeUndefined();
    // other items, not the same ones reordered
    const changed = { ...reordered, actual: '["b","c"]' };
    expect(ignoringRule(RULES, 'AWS::EC2::SecurityGroup', changed)).toBeUndefined();
  });

  test('GIVEN a resource whose only differences are ignored WHEN reported THEN it is in sync and the stack too', () => {
    const report = buildStackDriftReport(
      raw([{ logicalId: 'Sg', resourceType: 'AWS::EC2::SecurityGroup', status: 'MODIFIED', differences: [awsTag] }]),
      { environment: 'dev', stack: 'security-groups' },
      RULES,
      NO_TRAIL,
    );
    expect(report.status).toBe('IN_SYNC');
    expect(report.resources[0]?.ignored).toEqual([{ ...awsTag, rule: 'aws-tags', reason: 'tags AWS adds itself' }]);
    expect(report.summary).toBe('security-groups in dev: in sync — 1 resources checked (1 ignored)');
    expect(report.fingerprint).toBe('in-sync');
  });

  test('GIVEN the same drift in another order or with other noise WHEN fingerprinted THEN the same; other drift THEN not', () => {
    const a = buildStackDriftReport(
      raw([
        { logicalId: 'Sg', resourceType: 'AWS::EC2::SecurityGroup', status: 'MODIFIED', differences: [sgAdd, awsTag] },
        { logicalId: 'Log', resourceType: 'AWS::Logs::LogGroup', status: 'DELETED', differences: [] },
        {
          logicalId: 'Lt',
          resourceType: 'AWS::EC2::LaunchTemplate',
          status: 'NOT_CHECKED',
          differences: [],
          reason: 'x',
        },
      ]),
      { environment: 'dev', stack: 'security-groups' },
      RULES,
      NO_TRAIL,
    );
    expect(a.status).toBe('DRIFTED');
    expect(a.summary).toBe(
      'security-groups in dev: DRIFTED — 1 modified, 1 deleted (1 difference; 1 ignored); 1 not checked',
    );
    const b = driftFingerprint('stack/dev/security-groups', [...a.resources].reverse());
    expect(b).toBe(a.fingerprint);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const other = driftFingerprint('stack/dev/security-groups', [
      { ...a.resources[0]!, differences: [{ ...sgAdd, actual: sgAdd.actual.replace('22', '23') }] },
      a.resources[1]!,
    ]);
    expect(other).not.toBe(a.fingerprint);
    expect(driftFingerprint('stack/prd/security-groups', a.resources)).not.toBe(a.fingerprint);
  });

  test('GIVEN config drift: WHEN read THEN bad rules are named with what to do', () => {
    const bad = readDriftConfig({
      ignore: [{ name: 'x' }, { name: 'y', reason: 'r', type: 'CHANGED' }, { name: 'z', reason: 'r' }, 'no'],
      concurrency: 0,
    });
    expect(bad.issues.map((i) => `${i.path}: ${i.problem}`)).toEqual([
      'drift.ignore[0].reason: is missing; say why these differences are noise (it is shown to people)',
      'drift.ignore[0]: matches every difference; give at least one of resourceType, path, type, actualMatches, orderOnly',
      "drift.ignore[1].type: 'CHANGED' is not a difference type; use ADD, REMOVE, NOT_EQUAL",
      'drift.ignore[2]: matches every difference; give at least one of resourceType, path, type, actualMatches, orderOnly',
      'drift.ignore[3]: must be a mapping with name, reason and what to match (resourceType, path, type, actualMatches)',
      "drift.concurrency: must be an integer from 1 to 50, got '0'",
    ]);
    expect(readDriftConfig(undefined).value).toEqual({ ignore: [], concurrency: 8, pollMs: 1000 });
  });

  test('GIVEN drift commands WHEN parsed THEN `drift all` is not read as a stack named all', () => {
    const ctx = { stacks: ['vpc', 'security-groups'] };
    expect(parseCommand('drift all dev', ctx)).toMatchObject({ ok: true, command: { name: 'drift-all', env: 'dev' } });
    expect(parseCommand('drift vpc prod', ctx)).toMatchObject({
      ok: true,
      command: { name: 'drift-stack', stack: 'vpc', env: 'prd' },
    });
    expect(parseCommand('drift stack security-groups in tst', ctx)).toMatchObject({
      ok: true,
      command: { name: 'drift-stack', stack: 'security-groups', env: 'tst' },
    });
  });
});
