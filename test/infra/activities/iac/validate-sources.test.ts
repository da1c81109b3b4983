import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { WebClient } from '@slack/web-api';
import { createAwsClientFactory } from '../../../../adapters/aws/clients';
import { createRunCommand } from '../../../../adapters/cli/run-command';
import { createSlackFileSource } from '../../../../adapters/slack/slack-files';
import { createValidateActivities } from '../../../../activities/iac/validate-templates';
import { reportRequest, writeReport } from '../../../../cli/report-format';
import { parseCommand } from '../../../../core/commands/parse';
import { toSarif } from '../../../../core/compliance/outputs';
import type { ValidationReport } from '../../../../core/validation';
import { FakeSlack } from '../../../support/fake-slack/server';
import { RULES_DIR, requireTool } from '../../support/tools';

// Templates that are not in the repository: a file shared in Slack, a stack deployed in moto; and the CI outputs.
const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  IaCVersion: { Type: String, AllowedPattern: '^[0-9a-f]{7,40}$' }
Resources:
  Scratch:
    Type: AWS::EC2::Volume
    Metadata:
      infra-agent:
        suppress:
          - { rule: MandatoryTags, reason: tagged by the account's tag policy }
    Properties:
      AvailabilityZone: us-east-1a
      Size: 10
`;
const TOKEN = 'xoxb-validate-test';

describe('validate: any template, and reports for CI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'validate-sources-'));
  let slack: FakeSlack;
  const aws = createAwsClientFactory({
    endpoint: `http://127.0.0.1:${process.env.INFRA_AGENT_MOTO_PORT ?? '4566'}`,
    accessKeyId: 'testing',
    secretAccessKey: 'testing',
  });
  const validator = () =>
    createValidateActivities({
      run: createRunCommand(),
      cfnLintBin: requireTool('cfn-lint'),
      cfnGuardBin: requireTool('cfn-guard'),
      rulesDir: RULES_DIR,
      cacheDir: join(dir, 'cache'),
      aws,
      slackFiles: createSlackFileSource({ client: new WebClient(TOKEN, { slackApiUrl: slack.apiUrl }), token: TOKEN }),
    });
  let report: ValidationReport;

  beforeAll(async () => {
    slack = await FakeSlack.start();
    slack.shareFile('F0TPL1', 'volume.yaml', TEMPLATE, TOKEN);
    await aws
      .cloudFormation({ region: 'us-east-1' })
      .send(new CreateStackCommand({ StackName: 'infra-agent-dev-scratch', TemplateBody: TEMPLATE, Parameters: [{ ParameterKey: 'IaCVersion', ParameterValue: 'abc1234' }] }));
    report = await validator().validateTemplates({
      files: [],
      slackFile: 'F0TPL1',
      deployed: { region: 'us-east-1', stackName: 'infra-agent-dev-scratch', environment: 'dev' },
    });
  }, 180_000);
  afterAll(async () => {
    await slack.stop();
  });

  it('GIVEN a file shared with the bot in Slack WHEN validated THEN its findings name it', () => {
    expect(report.files).toContain('slack:F0TPL1/volume.yaml');
    expect(report.findings).toContainEqual(
      expect.objectContaining({ file: 'slack:F0TPL1/volume.yaml', rule: 'SC28_VOLUMES_ENCRYPTED', resource: 'Scratch' }),
    );
    expect(slack.calls.map((c) => c.method)).toEqual(expect.arrayContaining(['files.info', 'file_download']));
  });

  it('GIVEN a stack deployed in an environment WHEN validated THEN its current template is checked', () => {
    const name = 'stack infra-agent-dev-scratch (dev)';
    expect(report.files).toContain(name);
    expect(report.findings).toContainEqual(expect.objectContaining({ file: name, rule: 'SC28_VOLUMES_ENCRYPTED', resource: 'Scratch' }));
    expect(report.suppressed?.map((s) => [s.finding.file, s.finding.rule, s.reason]).sort()).toEqual([
      ['slack:F0TPL1/volume.yaml', 'MandatoryTags', "tagged by the account's tag policy"],
      [name, 'MandatoryTags', "tagged by the account's tag policy"],
    ]);
  });

  it('GIVEN a Slack file the bot may not read, or a stack never deployed WHEN validated THEN the reason is said', async () => {
    slack.shareFile('F0SECRET', 'other.yaml', TEMPLATE, 'xoxb-someone-else');
    await expect(validator().validateTemplates({ files: [], slackFile: 'F0SECRET' })).rejects.toThrow(
      /slack:F0SECRET: the bot may not download this file/,
    );
    await expect(validator().validateTemplates({ files: [], slackFile: 'F0NOPE' })).rejects.toThrow(
      /slack:F0NOPE: no such file, or it is not shared with the bot/,
    );
    await expect(
      validator().validateTemplates({ files: [], deployed: { region: 'us-east-1', stackName: 'infra-agent-dev-never', environment: 'dev' } }),
    ).rejects.toThrow(/stack infra-agent-dev-never does not exist in dev \(us-east-1\): deploy it first/);
  });

  it('GIVEN the report WHEN written as SARIF THEN it has the SARIF 2.1.0 required fields, suppressions included', () => {
    const sarif = toSarif(report) as SarifLog;
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.runs).toHaveLength(1);
    const run = sarif.runs[0] as SarifRun;
    expect(typeof run.tool.driver.name).toBe('string');
    const ruleIds = run.tool.driver.rules.map((r) => r.id);
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
    expect(run.results.length).toBe(report.findings.length + (report.suppressed?.length ?? 0));
    for (const r of run.results) {
      expect(typeof r.message.text).toBe('string');
      expect(['none', 'note', 'warning', 'error']).toContain(r.level);
      expect(ruleIds[r.ruleIndex]).toBe(r.ruleId);
      for (const l of r.locations) expect(typeof l.physicalLocation.artifactLocation.uri).toBe('string');
    }
    expect(run.results.filter((r) => r.suppressions)).toEqual([
      expect.objectContaining({ ruleId: 'MandatoryTags', suppressions: [{ kind: 'inSource', justification: "tagged by the account's tag policy" }] }),
      expect.objectContaining({ ruleId: 'MandatoryTags', suppressions: [{ kind: 'inSource', justification: "tagged by the account's tag policy" }] }),
    ]);
  });

  it('GIVEN `validate <path> --format junit --out FILE` in the terminal WHEN the report is written THEN an XML parser reads the failures', async () => {
    const wanted = reportRequest(`validate ${dir} --format junit --out ${join(dir, 'out.xml')}`);
    expect(wanted).toEqual({ ok: true, line: `validate ${dir}`, format: 'junit', out: join(dir, 'out.xml') });
    expect(reportRequest('validate vpc --format html')).toEqual({ ok: false, error: "--format: 'html' is not a report format; use sarif or junit" });
    const path = await writeReport(report, 'junit', join(dir, 'out.xml'));
    const parsed = execFileSync('python3', ['-c', PARSE_JUNIT, path], { encoding: 'utf8' });
    expect(JSON.parse(parsed)).toEqual({
      suites: 2,
      failures: expect.arrayContaining([['slack:F0TPL1/volume.yaml', 'SC-28'], ['stack infra-agent-dev-scratch (dev)', 'SC-28']]),
    });
    expect(readFileSync(path, 'utf8')).toMatch(/^<\?xml version="1.0"/);
  });

  it('GIVEN a person types an absolute, ~/ or ../ path or a Slack file id THEN the grammar takes it; shell syntax is refused', () => {
    for (const path of ['/srv/templates/vpc.yaml', '~/work/eks', '../platform/network.json', 'slack:F0TPL1']) {
      expect(parseCommand(`validate ${path}`, { stacks: [] })).toMatchObject({ ok: true, command: { name: 'validate', path } });
    }
    expect(parseCommand('validate $(reboot)', { stacks: [] })).toMatchObject({ ok: false });
  });
});

const PARSE_JUNIT = `
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == 'testsuites'
out = {'suites': len(root.findall('testsuite')), 'failures': []}
for s in root.findall('testsuite'):
    for c in s.findall('testcase'):
        if c.find('failure') is not None:
            out['failures'].append([c.get('classname'), c.get('name')])
print(json.dumps(out))
`;

interface SarifLog {
  readonly $schema: string;
  readonly version: string;
  readonly runs: SarifRun[];
}
interface SarifRun {
  readonly tool: { readonly driver: { readonly name: string; readonly rules: Array<{ readonly id: string }> } };
  readonly results: Array<{
    readonly ruleId: string;
    readonly ruleIndex: number;
    readonly level: string;
    readonly message: { readonly text: string };
    readonly locations: Array<{ readonly physicalLocation: { readonly artifactLocation: { readonly uri: string } } }>;
    readonly suppressions?: unknown[];
  }>;
}
