import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsonlAuditLog } from '../../../../adapters/audit/jsonl-audit-log';
import { createRunCommand } from '../../../../adapters/cli/run-command';
import { createValidateActivities } from '../../../../activities/iac/validate-templates';
import { problemOf } from '../../../../core/compliance/findings';
import type { ValidationPolicy } from '../../../../core/validation';
import { DEFAULT_VALIDATION_POLICY } from '../../../../core/validation';
import { RULES_DIR, requireTool } from '../../support/tools';

// Templates as people write them, in a folder outside the repository: ForEach, SAM, conditions, nested stacks,
// suppressions. Every assertion is about a finding from inside the processed template.
const TAGS = `
          Tags:
            - { Key: Environment, Value: dev }
            - { Key: Owner, Value: team }
            - { Key: SecurityLevel, Value: high }
            - { Key: IaC_Version, Value: !Ref IaCVersion }`;
const PARAM = `  IaCVersion: { Type: String, AllowedPattern: '^[0-9a-f]{7,40}$' }`;

const FOREACH = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::LanguageExtensions
Parameters:
${PARAM}
Resources:
  Fn::ForEach::Volumes:
    - Name
    - [Logs, Data]
    - \${Name}Volume:
        Type: AWS::EC2::Volume
        Properties:
          AvailabilityZone: !Select [0, !GetAZs '']
          Size: 10
          Encrypted: false${TAGS}
`;

const SAM = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
${PARAM}
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: ./src
      Policies: [AmazonS3ReadOnlyAccess]
  Setting:
    Type: AWS::SSM::Parameter
    Properties: { Type: String, Value: x }
`;

const CONDITIONS = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
${PARAM}
  Env: { Type: String, Default: dev, AllowedValues: [dev, prd] }
Conditions:
  IsPrd: !Equals [!Ref Env, prd]
Resources:
  Data:
    Type: AWS::EC2::Volume
    Properties:
      AvailabilityZone: !Select [0, !GetAZs '']
      Size: 10
      Encrypted: !If [IsPrd, true, false]${TAGS.replace(/^ {4}/gm, '')}
`;

const PARENT = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
${PARAM}
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./nested/child.yaml
`;

// One bucket seen by the tag check and the CM-8 guard rule; one unencrypted volume suppressed with a reason,
// another without one.
const NOISY = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
${PARAM}
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      Tags:
        - { Key: Environment, Value: dev }
  Scratch:
    Type: AWS::EC2::Volume
    Metadata:
      infra-agent:
        suppress:
          - rule: SC28_VOLUMES_ENCRYPTED
            reason: scratch space for public test data, wiped nightly
    Properties:
      AvailabilityZone: !Select [0, !GetAZs '']
      Size: 10${TAGS.replace(/^ {4}/gm, '')}
  Careless:
    Type: AWS::EC2::Volume
    Metadata:
      cfn_nag:
        rules_to_suppress:
          - id: SC28_VOLUMES_ENCRYPTED
    Properties:
      AvailabilityZone: !Select [0, !GetAZs '']
      Size: 10${TAGS.replace(/^ {4}/gm, '')}
`;

describe('validateTemplates on templates as users write them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'validate-processed-'));
  mkdirSync(join(dir, 'nested'));
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const foreach = write('foreach.yaml', FOREACH);
  const sam = write('sam.yaml', SAM);
  const conditions = write('conditions.yaml', CONDITIONS);
  const parent = write('parent.yaml', PARENT);
  write('nested/child.yaml', FOREACH.replace(/Encrypted: false/, 'Encrypted: true').replace('Size: 10', 'Size: 20\n          Iops: 1000'));
  const noisy = write('noisy.yaml', NOISY);
  const audit = createJsonlAuditLog(join(dir, 'audit.jsonl'));
  const validator = (policy: ValidationPolicy = DEFAULT_VALIDATION_POLICY, cache = 'cache') =>
    createValidateActivities({
      run: createRunCommand(),
      cfnLintBin: requireTool('cfn-lint'),
      cfnGuardBin: requireTool('cfn-guard'),
      rulesDir: RULES_DIR,
      cacheDir: join(dir, cache),
      policy,
      audit,
    });
  let report: Awaited<ReturnType<ReturnType<typeof validator>['validateTemplates']>>;

  beforeAll(async () => {
    report = await validator().validateTemplates({
      files: [foreach, sam, conditions, parent, noisy],
      audit: { key: 'validate/test-1', actor: 'alice', operationId: 'validate/test-1' },
    });
  }, 180_000);

  const of = (file: string) => report.findings.filter((f) => f.file === file);

  it('GIVEN Fn::ForEach WHEN validated THEN each expanded resource is checked', () => {
    expect(of(foreach).filter((f) => f.rule === 'SC28_VOLUMES_ENCRYPTED').map((f) => f.resource)).toEqual(['DataVolume', 'LogsVolume']);
    expect(report.processing).toContainEqual({ file: foreach, transforms: ['AWS::LanguageExtensions'], branches: 1 });
  });

  it('GIVEN a SAM template WHEN validated THEN the resources SAM generates are checked and a type no rule covers is "not checked"', () => {
    expect(of(sam)).toContainEqual(expect.objectContaining({ source: 'cfn-guard', rule: 'AC2_ROLE_STRUCTURE', resource: 'ApiRole' }));
    expect(report.ruleResults).toContainEqual(expect.objectContaining({ file: sam, rule: 'AC2_TRUST_NOT_PUBLIC', status: 'PASS' }));
    expect(report.unchecked).toContainEqual({ file: sam, resource: 'Setting', type: 'AWS::SSM::Parameter' });
  });

  it('GIVEN a finding in one condition branch WHEN validated THEN it says which branch, and that the defaults take it', () => {
    expect(of(conditions).filter((f) => f.rule === 'SC28_VOLUMES_ENCRYPTED')).toEqual([
      expect.objectContaining({ resource: 'Data', onlyWhen: 'IsPrd is false (the parameter defaults take this branch)' }),
    ]);
    expect(report.processing).toContainEqual({ file: conditions, transforms: [], branches: 2 });
  });

  it('GIVEN a nested stack with a local TemplateURL WHEN the parent is validated THEN the child is validated too', () => {
    const child = join(dir, 'nested', 'child.yaml');
    expect(report.files).toContain(child);
    expect(report.ruleResults).toContainEqual(expect.objectContaining({ file: child, rule: 'SC28_VOLUMES_ENCRYPTED', status: 'PASS' }));
    expect(report.processing).toContainEqual(expect.objectContaining({ file: parent, nested: ['nested/child.yaml'] }));
  });

  it('GIVEN the tag check and the CM-8 guard rule both see missing tags WHEN validated THEN it is one organisation finding', () => {
    expect(of(noisy).filter((f) => f.resource === 'Logs' && f.category === 'organisation')).toEqual([
      expect.objectContaining({
        rule: 'MandatoryTags',
        category: 'organisation',
        seenBy: ['tags', 'cfn-guard'],
        message: 'AWS::S3::Bucket lacks mandatory tags in Tags: Owner, SecurityLevel, IaC_Version',
      }),
    ]);
  });

  it('GIVEN every template WHEN validated THEN no (file, resource, problem) is reported twice', () => {
    const keys = report.findings.map((f) => [f.file, f.resource ?? '', problemOf(f.rule), f.onlyWhen ?? ''].join(' '));
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    expect(report.findings.filter((f) => f.rule.startsWith('CM8_'))).toEqual([]);
  });

  it('GIVEN a suppression with a reason and one without WHEN validated THEN the first suppresses (audited), the second is refused', async () => {
    expect(of(noisy).filter((f) => f.resource === 'Scratch')).toEqual([]);
    expect(report.suppressed).toEqual([
      expect.objectContaining({ by: 'template', reason: 'scratch space for public test data, wiped nightly', finding: expect.objectContaining({ resource: 'Scratch', rule: 'SC28_VOLUMES_ENCRYPTED' }) }),
    ]);
    expect(of(noisy).filter((f) => f.resource === 'Careless').map((f) => f.rule).sort()).toEqual(['SC28_VOLUMES_ENCRYPTED', 'SuppressionWithoutReason']);
    const records = await audit.forOperation('validate/test-1');
    expect(records).toEqual([
      expect.objectContaining({
        action: 'validated',
        actor: 'alice',
        details: { suppressed: [{ file: noisy, resource: 'Scratch', rule: 'SC28_VOLUMES_ENCRYPTED', by: 'template', reason: 'scratch space for public test data, wiped nightly' }] },
      }),
    ]);
  });

  it('GIVEN an organisation with its own tag policy and a config suppression WHEN validated THEN its tags are checked, not the default ones', async () => {
    const own = await validator(
      {
        organisation: { mandatoryTags: ['CostCenter'], iacVersionParameter: null },
        suppressions: [{ rule: 'SC28_VOLUMES_ENCRYPTED', file: 'noisy.yaml', resource: 'Careless', reason: 'accepted risk ticket SEC-12' }],
      },
      'cache-own',
    ).validateTemplates({ files: [noisy] });
    expect(own.findings.filter((f) => f.category === 'organisation').map((f) => [f.resource, f.message])).toEqual([
      ['Careless', 'AWS::EC2::Volume lacks mandatory tags in Tags: CostCenter'],
      ['Logs', 'AWS::S3::Bucket lacks mandatory tags in Tags: CostCenter'],
      ['Scratch', 'AWS::EC2::Volume lacks mandatory tags in Tags: CostCenter'],
    ]);
    expect(own.suppressed?.map((s) => [s.by, s.finding.resource])).toEqual([['template', 'Scratch'], ['config', 'Careless']]);
  }, 180_000);

  it('GIVEN paths it cannot use WHEN validated THEN each says the real reason', async () => {
    const big = write('big.yaml', `Resources: {}\n#${'x'.repeat(3 * 1024 * 1024)}\n`);
    const binary = write('binary.yaml', 'Resources:\u0000\u0001');
    mkdirSync(join(dir, 'empty'));
    const r = await validator().validateTemplates({ files: [join(dir, 'missing.yaml'), big, binary, join(dir, 'empty'), '/dev/null'] });
    expect(r.findings.map((f) => [f.file, f.message])).toEqual(
      expect.arrayContaining([
        [join(dir, 'missing.yaml'), expect.stringMatching(/^not found: /)],
        [big, expect.stringMatching(/^too big to be a template: /)],
        [binary, 'not a template: the file is binary'],
        [join(dir, 'empty'), expect.stringMatching(/^a folder with no templates in it/)],
        ['/dev/null', expect.stringMatching(/^not a regular file/)],
      ]),
    );
    expect(r.passed).toBe(false);
  });
});
