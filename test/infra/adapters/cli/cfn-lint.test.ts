import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnLintFailed, cfnLintVersion, parseCfnLintOutput, runCfnLint } from '../../../../adapters/cli/cfn-lint';
import { createRunCommand } from '../../../../adapters/cli/run-command';
import { fakeRun } from '../../support/fake-run';
import { requireTool } from '../../support/tools';

// Saved from cfn-lint 1.58.0 over a template with an unknown type, one with an unused parameter, and broken YAML.
const realOutput = readFileSync(join(__dirname, '..', '..', 'fixtures', 'cfn-lint-1.58.0-output.json'), 'utf8');

describe('cfn-lint adapter', () => {
  it('GIVEN real cfn-lint JSON output WHEN parsed THEN each match becomes a finding with file, resource, rule and severity', () => {
    expect(parseCfnLintOutput(realOutput)).toEqual([
      {
        source: 'cfn-lint',
        file: 'templates/bad.yaml',
        resource: 'X',
        rule: 'E3006',
        message: "Resource type 'AWS::EC2::VPCX' does not exist in 'us-east-1'",
        severity: 'error',
      },
      { source: 'cfn-lint', file: 'templates/bad2.yaml', rule: 'E0000', message: 'did not find expected node content', severity: 'error' },
      { source: 'cfn-lint', file: 'templates/warn.yaml', rule: 'W2001', message: 'Parameter P not used.', severity: 'warning' },
    ]);
  });

  it('GIVEN exit code 6 (errors and warnings found) WHEN run THEN it is a result, and argv lints all files in one offline call', async () => {
    const run = fakeRun({ exitCode: 6, stdout: realOutput });
    const findings = await runCfnLint({ run, bin: '/bin/cfn-lint', files: ['/t/a.yaml', '/t/b.yaml'] });
    expect(findings).toHaveLength(3);
    expect(run.calls.map((c) => [c.file, c.args])).toEqual([['/bin/cfn-lint', ['--format', 'json', '--', '/t/a.yaml', '/t/b.yaml']]]);
    expect(run.calls[0]?.args).not.toContain('--update-specs');
  });

  it.each([1, 16, 32])('GIVEN exit code %i (cfn-lint itself failed) WHEN run THEN a clear CfnLintFailed is thrown', async (exitCode) => {
    const run = fakeRun({ exitCode, stderr: 'Traceback: boom' });
    await expect(runCfnLint({ run, bin: 'cfn-lint', files: ['/t/a.yaml'] })).rejects.toThrow(
      new CfnLintFailed(`cfn-lint failed with exit code ${exitCode}: Traceback: boom`),
    );
  });

  it('GIVEN output that is not JSON WHEN parsed THEN CfnLintFailed says so', () => {
    expect(() => parseCfnLintOutput('Segmentation fault')).toThrow(CfnLintFailed);
  });

  it('GIVEN the real cfn-lint WHEN asked its version THEN it is the pinned 1.58.0', async () => {
    await expect(cfnLintVersion(createRunCommand(), requireTool('cfn-lint'))).resolves.toBe('1.58.0');
  });
});
