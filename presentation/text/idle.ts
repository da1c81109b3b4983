import type { IdleReport, IdleResource } from '../../core/cost/idle';
import { money } from './cost';

const usd = (n: number): string => money(n, 'USD');

const KIND: Readonly<Record<IdleResource['kind'], string>> = {
  volume: 'EBS volume',
  'elastic-ip': 'Elastic IP',
  'stopped-instance': 'stopped instance',
  snapshot: 'snapshot',
  'load-balancer': 'load balancer',
  'nat-gateway': 'NAT gateway',
  deployment: 'Deployment',
  service: 'Service',
};

/** One resource: kind, id, name, cost a month, then its evidence and how the cost was estimated. */
function resourceLines(r: IdleResource): string[] {
  const tags = [r.keepUntil ? `kept until ${r.keepUntil}` : '', r.reapable && !r.keepUntil ? 'reapable in dev' : '']
    .filter(Boolean)
    .join(', ');
  return [
    `${usd(r.monthlyCost)}/month  ${KIND[r.kind]} ${r.id}${r.name ? ` (${r.name})` : ''}${tags ? ` [${tags}]` : ''}`,
    ...r.evidence.map((e) => `    evidence: ${e}`),
    `    estimate: ${r.costBasis}`,
  ];
}

/** `idle {env}`: the headline (count and monthly total), each resource, then what could not be checked. */
export function renderIdle(report: IdleReport): { headline: string; body: string } {
  const env = report.environment.toUpperCase();
  const n = report.resources.length;
  const headline =
    n === 0
      ? `No idle resources found in ${env}${report.unchecked.length ? ` (${report.unchecked.length} check(s) could not run)` : ''}`
      : `${n} idle resource(s) in ${env}, about ${usd(report.totalMonthlyCost)}/month (list prices, docs/cost.md)`;
  const body = [
    ...report.resources.flatMap(resourceLines),
    ...report.unchecked.map((u) => `not checked: ${u}`),
    ...(report.resources.some((r) => r.reapable && !r.keepUntil) && report.environment === 'dev'
      ? [
          'reap <id> dev removes a volume (after a snapshot), an Elastic IP or a snapshot, after a notice with a Keep button',
        ]
      : []),
  ].join('\n');
  return { headline, body };
}
