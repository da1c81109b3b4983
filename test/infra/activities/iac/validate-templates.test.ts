import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunCommand } from '../../../../adapters/cli/run-command';
import type { RunCommand } from '../../../../adapters/cli/run-command';
import { createValidateActivities } from '../../../../activities/iac/validate-templates';
import { countingRun } from '../../support/fake-run';
import { REPO_ROOT, RULES_DIR, requireTool, templateFiles } from '../../support/tools';

const MISSING_OWNER = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  IaCVersion: { Type: String, AllowedPattern: '^[0-9a-f]{7,40}$' }
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub 'logs-\${AWS::AccountId}'
      Tags:
        - { Key: Environment, Value: dev }
        - { Key: SecurityLevel, Value: high }
        - { Key: IaC_Version, Value: !Ref IaCVersion }
`;

function workspace(): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'validate-'));
  writeFileSync(join(dir, 'not-yaml.yaml'), 'Resources: [\n  - {\n');
  writeFileSync(join(dir, 'not-cfn.yaml'), 'replicaCount: 2\nimage: { tag: v1 }\n');
  writeFileSync(join(dir, 'missing-owner.yaml'), MISSING_OWNER);
  return { dir, files: [join(dir, 'not-yaml.yaml'), join(dir, 'not-cfn.yaml'), join(dir, 'missing-owner.yaml')] };
}

function activities(run: RunCommand, cacheDir: string) {
  return createValidateActivities({
    run,
    cfnLintBin: requireTool('cfn-lint'),
    cfnGuardBin: requireTool('cfn-guard'),
    rulesDir: RULES_DIR,
    cacheDir,
    baseDir: REPO_ROOT,
  });
}

describe('validateTemplates', () => {
  const { dir, files: extra } = workspace();
  const cacheDir = join(dir, 'cache');
  const files = [...templateFiles(), ...extra];
  const run = countingRun(createRunCommand());
  const validator = activities(run, cacheDir);
  const validate = (input: { files: string[]; environment?: string }) => validator.validateTemplates(input);

  it('GIVEN templates, a broken YAML, a non-CloudFormation YAML and an untagged bucket WHEN validated cold THEN each problem is a finding and the tools run once each', async () => {
    const report = await validate({ files, environment: 'dev' });

    const tools = run.calls.filter((c) => !c.args.includes('--version'));
    // cfn-lint, the processor (iam-roles.yaml has conditions: its branches are checked) and cfn-guard, once each.
    expect(tools.map((c) => (c.args[1]?.endsWith('cfn_process.py') ? 'processor' : c.file))).toEqual([
      requireTool('cfn-lint'),
      'processor',
      requireTool('cfn-guard'),
    ]);
    expect(report.files).toEqual(files);
    expect(report.passed).toBe(false);
    expect(report.findings.filter((f) => templateFiles().includes(f.file))).toEqual([]);
    expect(report.findings.filter((f) => f.source === 'parse')).toEqual([
      expect.objectContaining({ file: extra[1], rule: 'TemplateParse', severity: 'error', message: 'not a CloudFormation template: no Resources map' }),
      expect.objectContaining({ file: extra[0], rule: 'TemplateParse', severity: 'error', message: expect.stringMatching(/^not valid YAML\/JSON/) }),
    ]);
    expect(report.findings.filter((f) => f.source === 'tags')).toEqual([
      {
        source: 'tags',
        file: extra[2],
        control: 'CM-8',
        resource: 'Bucket',
        rule: 'MandatoryTags',
        message: 'AWS::S3::Bucket lacks mandatory tags in Tags: Owner',
        severity: 'error',
        category: 'organisation',
        // The CM-8 guard rule sees the same problem on the same resource: one finding, both named.
        seenBy: ['tags', 'cfn-guard'],
      },
    ]);
    expect(report.findings.filter((f) => f.resource === 'Bucket' && f.rule === 'CM8_MANDATORY_TAGS')).toEqual([]);
    expect(report.ruleResults).toContainEqual(expect.objectContaining({ file: extra[2], rule: 'CM8_MANDATORY_TAGS', status: 'FAIL' }));
    expect(report.ruleResults.filter((r) => templateFiles().includes(r.file) && r.status === 'FAIL')).toEqual([]);
    expect(report.ruleResults.filter((r) => r.file === extra[2] && r.status !== 'SKIP').length).toBeGreaterThan(0);
    expect(report.toolVersions).toEqual({ 'cfn-guard': '3.2.0', 'cfn-lint': '1.58.0' });
  });

  it('GIVEN nothing changed WHEN validated again THEN no process is started and the report is identical', async () => {
    const first = await validate({ files });
    const before = run.calls.length;
    const second = await validate({ files });
    expect(run.calls.length).toBe(before);
    expect(second).toEqual(first);
  });

  it('GIVEN one template changed WHEN validated again THEN only that file goes to cfn-lint and cfn-guard', async () => {
    writeFileSync(extra[2] as string, MISSING_OWNER.replace('Key: Environment', 'Key: Owner, Value: team }\n        - { Key: Environment'));
    const before = run.calls.length;
    const report = await validate({ files });
    const calls = run.calls.slice(before);
    expect(calls.map((c) => c.args.filter((a) => a.endsWith('.yaml')))).toEqual([[extra[2]], [extra[2]]]);
    expect(report.findings.filter((f) => f.source === 'tags')).toEqual([]);
  });

  it('GIVEN cfn-guard rejects the batch because one file does not parse for it WHEN validated THEN each file is retried alone and the bad one gets a parse finding', async () => {
    const real = createRunCommand();
    const guardOnlyLikesSingles: RunCommand = (input) => {
      const data = input.args.filter((a) => a === '--data').length;
      const rejects = input.args.includes(extra[2] as string) || data > 1;
      if (input.file.endsWith('cfn-guard') && input.args[0] === 'validate' && rejects) {
        return Promise.resolve({ exitCode: 255, stdout: '', stderr: 'Error encountered while parsing data file', truncated: false, durationMs: 1 });
      }
      return real(input);
    };
    const few = [templateFiles()[0] as string, extra[2] as string];
    const report = await activities(guardOnlyLikesSingles, join(dir, 'cache-fallback')).validateTemplates({ files: few });
    expect(report.findings.filter((f) => f.rule === 'GuardParse')).toEqual([
      expect.objectContaining({ source: 'parse', file: extra[2], severity: 'error' }),
    ]);
    expect(report.ruleResults.filter((r) => r.file === templateFiles()[0]).length).toBeGreaterThan(0);
  });
});
