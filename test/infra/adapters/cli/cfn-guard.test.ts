import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnGuardFailed, cfnGuardVersion, guardRuleNames, parseCfnGuardOutput, runCfnGuard } from '../../../../adapters/cli/cfn-guard';
import { createRunCommand } from '../../../../adapters/cli/run-command';
import { controlOfRule } from '../../../../core/compliance/controls';
import { fakeRun } from '../../support/fake-run';
import { RULES_DIR, requireTool } from '../../support/tools';

// Saved from cfn-guard 3.2.0 (--structured -o json) with the NIST rules over a bare VPC and a non-CloudFormation YAML.
const realOutput = readFileSync(join(__dirname, '..', '..', 'fixtures', 'cfn-guard-3.2.0-output.json'), 'utf8');
const ruleNames = ['AU2_VPC_FLOW_LOGS', 'AC2_NO_IAM_USERS', 'SC28_KMS_KEY_ROTATION'];

describe('cfn-guard adapter', () => {
  it('GIVEN real structured output WHEN parsed THEN failed clauses become findings with control, resource and the rule message', () => {
    const { findings } = parseCfnGuardOutput(realOutput, { ruleNames, controlOf: controlOfRule });
    expect(findings.filter((f) => f.rule === 'AU2_VPC_FLOW_LOGS')).toEqual([
      expect.objectContaining({
        source: 'cfn-guard',
        file: 'templates/gv.yaml',
        control: 'AU-2',
        rule: 'AU2_VPC_FLOW_LOGS',
        severity: 'error',
        message: 'AU-2: every VPC needs an AWS::EC2::FlowLog with ResourceType VPC and TrafficType ALL',
      }),
    ]);
    expect(findings.find((f) => f.rule === 'CM8_MANDATORY_TAGS')).toMatchObject({ control: 'CM-8', resource: 'Vpc' });
  });

  it('GIVEN real structured output WHEN parsed THEN every known rule gets PASS, FAIL or SKIP per file', () => {
    const { ruleResults } = parseCfnGuardOutput(realOutput, { ruleNames, controlOf: controlOfRule });
    const of = (file: string): Record<string, string> => Object.fromEntries(ruleResults.filter((r) => r.file === file).map((r) => [r.rule, r.status]));
    expect(of('templates/gv.yaml')).toEqual({
      AC2_NO_IAM_USERS: 'PASS',
      AU2_VPC_FLOW_LOGS: 'FAIL',
      CM3_IAC_VERSION_PARAMETER: 'FAIL',
      CM8_MANDATORY_TAGS: 'FAIL',
      SC28_KMS_KEY_ROTATION: 'SKIP',
      SC7_VPC_HAS_NACLS: 'FAIL',
    });
    expect(of('templates/nocfn.yaml')).toEqual({ AC2_NO_IAM_USERS: 'SKIP', AU2_VPC_FLOW_LOGS: 'SKIP', SC28_KMS_KEY_ROTATION: 'SKIP' });
  });

  it('GIVEN many files WHEN run THEN one cfn-guard process gets the rules dir, every file and structured JSON flags', async () => {
    const run = fakeRun({ exitCode: 19, stdout: realOutput });
    await runCfnGuard({ run, bin: '/bin/cfn-guard', rulesDir: '/rules', ruleNames, files: ['/t/a.yaml', '/t/b.yaml'] });
    expect(run.calls.map((c) => c.args)).toEqual([
      ['validate', '--rules', '/rules', '--data', '/t/a.yaml', '--data', '/t/b.yaml', '--output-format', 'json', '--show-summary', 'none', '--structured'],
    ]);
  });

  it.each([
    [5, 'Parsing error handling rule file'],
    [255, 'Error encountered while parsing data file'],
  ])('GIVEN exit code %i WHEN run THEN CfnGuardFailed carries the exit code and the reason', async (exitCode, stderr) => {
    const run = fakeRun({ exitCode, stderr });
    const failure = runCfnGuard({ run, bin: 'cfn-guard', rulesDir: '/rules', ruleNames, files: ['/t/a.yaml'] });
    await expect(failure).rejects.toBeInstanceOf(CfnGuardFailed);
    await expect(failure).rejects.toMatchObject({ exitCode, message: expect.stringContaining(stderr) });
  });

  it('GIVEN a rules file WHEN its rule names are read THEN every `rule NAME` is found', () => {
    const source = readFileSync(join(RULES_DIR, 'au-2-audit-events.guard'), 'utf8');
    expect(guardRuleNames(source)).toEqual(['AU2_VPC_FLOW_LOGS', 'AU2_FLOW_LOGS_TO_CLOUDWATCH', 'AU2_EKS_CONTROL_PLANE_LOGS']);
  });

  it('GIVEN the real cfn-guard WHEN asked its version THEN it is the pinned 3.2.0', async () => {
    await expect(cfnGuardVersion(createRunCommand(), requireTool('cfn-guard'))).resolves.toBe('3.2.0');
  });
});
