import { CONTROLS } from '../../../../core/compliance/controls';
import { renderComplianceReport } from '../../../../core/compliance/report';
import type { ValidationReport } from '../../../../core/validation';

const report: ValidationReport = {
  files: ['infra/cloudformation/b.yaml', 'infra/cloudformation/a.yaml'],
  findings: [
    { source: 'cfn-guard', file: 'infra/cloudformation/b.yaml', control: 'AU-2', resource: 'Vpc', rule: 'AU2_VPC_FLOW_LOGS', message: 'AU-2: this VPC has no flow log', severity: 'error' },
    { source: 'cfn-lint', file: 'infra/cloudformation/a.yaml', rule: 'W2001', message: 'Parameter P | not used.', severity: 'warning' },
  ],
  ruleResults: [
    { file: 'infra/cloudformation/b.yaml', rule: 'AU2_VPC_FLOW_LOGS', control: 'AU-2', status: 'FAIL' },
    { file: 'infra/cloudformation/a.yaml', rule: 'AU2_VPC_FLOW_LOGS', control: 'AU-2', status: 'PASS' },
    { file: 'infra/cloudformation/a.yaml', rule: 'SC28_KMS_KEY_ROTATION', control: 'SC-28', status: 'PASS' },
    { file: 'infra/cloudformation/b.yaml', rule: 'SC28_KMS_KEY_ROTATION', control: 'SC-28', status: 'SKIP' },
    { file: 'infra/cloudformation/a.yaml', rule: 'SC7_VPC_HAS_NACLS', control: 'SC-7', status: 'SKIP' },
  ],
  passed: false,
};

describe('renderComplianceReport', () => {
  const md = renderComplianceReport({ report, toolVersions: { 'cfn-lint': '1.58.0', 'cfn-guard': '3.2.0' } });

  it('GIVEN rule results WHEN rendered THEN the summary gives each control its verdict', () => {
    expect(md).toContain('| AU-2 | Event Logging | 1 | FAIL |');
    expect(md).toContain('| SC-28 | Protection of Information at Rest | 1 | PASS |');
    expect(md).toContain('| SC-7 | Boundary Protection | 1 | NOT EVALUATED |');
    expect(md).toContain('| AC-2 | Account Management | 0 | NOT EVALUATED |');
    expect(md).toContain('Tools: cfn-guard 3.2.0, cfn-lint 1.58.0.');
  });

  it('GIVEN a control WHEN rendered THEN its section says how it is implemented and shows the evidence per rule and template', () => {
    for (const control of CONTROLS) expect(md).toContain(`## ${control.id} ${control.title}\n\n**Implementation.** ${control.implementation}`);
    expect(md).toContain('| AU2_VPC_FLOW_LOGS | a.yaml | b.yaml | — |');
    expect(md).toContain('| error | `infra/cloudformation/b.yaml` | Vpc | AU2_VPC_FLOW_LOGS | AU-2: this VPC has no flow log |');
    expect(md).toContain('| warning | `infra/cloudformation/a.yaml` | — | W2001 | Parameter P \\| not used. |');
  });

  it('GIVEN the same results in another order WHEN rendered THEN the markdown is byte-identical and has no timestamp', () => {
    const shuffled: ValidationReport = { ...report, files: [...report.files].reverse(), findings: [...report.findings].reverse(), ruleResults: [...report.ruleResults].reverse() };
    expect(renderComplianceReport({ report: shuffled, toolVersions: { 'cfn-guard': '3.2.0', 'cfn-lint': '1.58.0' } })).toBe(md);
    expect(md).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });
});
