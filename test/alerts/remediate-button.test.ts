import { remediateCommandOf, type AlertRecord } from '../../core/alerts/alert';
import { renderAlertMessage } from '../../presentation/slack/alert-messages';
import { ActionIds } from '../../presentation/slack/ids';

const record = (key: string): AlertRecord => {
  const [check, environment, subject] = key.split('/') as [string, AlertRecord['environment'], string];
  return {
    key,
    check,
    environment,
    subject,
    channel: 'C-ALERTS',
    status: 'open',
    fingerprint: 'f1',
    headline: `[${environment}] ${subject}: DRIFTED`,
    lines: ['one line'],
    updatedAt: '2026-12-06T00:00:00.000Z',
  };
};

describe('the Remediate button and hint on an alert', () => {
  it('GIVEN a stack drift alert THEN the card offers Remediate and names `remediate <stack> <env>`', () => {
    const m = renderAlertMessage(record('drift/prd/security-groups'));
    expect(JSON.stringify(m.blocks)).toContain(ActionIds.alertRemediate);
    expect(JSON.stringify(m.blocks)).toContain('remediate security-groups prd');
    expect(remediateCommandOf('drift/prd/security-groups')).toBe('remediate security-groups prd');
  });

  it.each([
    ['drift/dev/service-payments-api', 'remediate service payments-api dev'],
    ['drift/prd/service-checkout-web', 'remediate service checkout-web prd'],
    ['drift/tst/release-podinfo', 'helm upgrade podinfo tst'],
  ])('GIVEN %s (a Kubernetes drift) THEN the card offers Remediate running `%s`', (key, command) => {
    const blocks = JSON.stringify(renderAlertMessage(record(key)).blocks);
    expect(blocks).toContain(ActionIds.alertRemediate);
    expect(blocks).toContain(command);
    expect(remediateCommandOf(key)).toBe(command);
  });

  it.each(['rescan/prd/payments-api', 'cost/dev/eks', 'cost/dev/budget'])(
    'GIVEN %s (nothing to put back) THEN no Remediate button and no remediate hint',
    (key) => {
      const blocks = JSON.stringify(renderAlertMessage(record(key)).blocks);
      expect(blocks).not.toContain(ActionIds.alertRemediate);
      expect(blocks).not.toContain('remediate ');
      expect(blocks).toContain('Acknowledge');
      expect(remediateCommandOf(key)).toBeUndefined();
    },
  );
});
