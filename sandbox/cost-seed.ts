import type { AppConfig } from '../core/config';
import type { EnvironmentName } from '../core/environments';

/** One day's cost of one AWS service for one of our services in one environment, as the sandbox's moto stores it. */
export interface CostLineItem {
  readonly Date: string;
  /** The AWS service, as Cost Explorer's SERVICE dimension names it. */
  readonly Service: string;
  readonly Tags: { readonly Environment: EnvironmentName; readonly Service?: string };
  /** Dollars with cents, as a string (Cost Explorer's Amount). */
  readonly Amount: string;
  readonly Unit: 'USD';
}

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const EC2_OTHER = 'EC2 - Other';
const RDS = 'Amazon Relational Database Service';
const ELB = 'Amazon Elastic Load Balancing';
const EKS = 'Amazon Elastic Container Service for Kubernetes';
const S3 = 'Amazon Simple Storage Service';
const CLOUDWATCH = 'AmazonCloudWatch';
const DYNAMODB = 'Amazon DynamoDB';
const SQS = 'Amazon Simple Queue Service';
const CLOUDFRONT = 'Amazon CloudFront';
const KMS = 'AWS Key Management Service';

/**
 * Daily dollars in DEV per (Service tag, AWS service); other environments scale it. `undefined` is spend nobody
 * tagged (Cost Explorer's `Service$`). Shaped like a small platform: compute first, then databases and networking.
 */
const DEV_DAILY: ReadonlyArray<readonly [string | undefined, string, number]> = [
  ['payments-api', EC2, 38.4],
  ['payments-api', RDS, 22.1],
  ['payments-api', ELB, 5.6],
  ['checkout-web', EC2, 27.9],
  ['checkout-web', CLOUDFRONT, 9.3],
  ['checkout-web', ELB, 5.6],
  ['orders-worker', EC2, 16.2],
  ['orders-worker', DYNAMODB, 11.7],
  ['orders-worker', SQS, 2.4],
  ['shared-platform', EKS, 4.8],
  ['shared-platform', EC2_OTHER, 14.5],
  ['shared-platform', CLOUDWATCH, 6.9],
  ['shared-platform', S3, 3.1],
  [undefined, S3, 4.2],
  [undefined, CLOUDWATCH, 1.9],
  [undefined, KMS, 1.0],
];

const SCALE: Readonly<Record<EnvironmentName, number>> = { dev: 1, tst: 1.7, prd: 6.4 };

/** A stable number in [0, 1) from a string (FNV-1a): the same day and item always get the same jitter. */
function unit(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

const DAY_MS = 86_400_000;

/**
 * The seeded series: `days` days before `today` (an ISO day, exclusive) for every environment. Deterministic:
 * a slow upward trend, quieter weekends outside PRD, ±6% jitter per item and day, rounded to cents.
 */
export function costLineItems(today: string, days = 200): CostLineItem[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  const items: CostLineItem[] = [];
  for (let d = days; d >= 1; d--) {
    const t = end - d * DAY_MS;
    const date = new Date(t).toISOString().slice(0, 10);
    const weekday = new Date(t).getUTCDay();
    const dayNumber = Math.floor(t / DAY_MS);
    for (const env of ['dev', 'tst', 'prd'] as const) {
      const weekend = env !== 'prd' && (weekday === 0 || weekday === 6) ? 0.72 : 1;
      const trend = 1 + (dayNumber % 365) * 0.0008;
      for (const [service, awsService, base] of DEV_DAILY) {
        const jitter = 0.94 + 0.12 * unit(`${date}|${env}|${service ?? ''}|${awsService}`);
        const amount = Math.round(base * SCALE[env] * weekend * trend * jitter * 100) / 100;
        items.push({
          Date: date,
          Service: awsService,
          Tags: service ? { Environment: env, Service: service } : { Environment: env },
          Amount: amount.toFixed(2),
          Unit: 'USD',
        });
      }
    }
  }
  return items;
}

/**
 * Stores the series in the sandbox's moto (sandbox/moto/cost_explorer.py: a `LineItems` result on moto's static
 * cost-and-usage endpoint), for each account the config's environments use. Idempotent: a day seeded again
 * replaces its items. Returns how many items were sent.
 */
export async function seedCostExplorer(config: AppConfig, today: string, days = 200): Promise<number> {
  const endpoint = config.aws.endpoint;
  if (!endpoint) throw new Error('seedCostExplorer: the config has no aws.endpoint (only the sandbox is seeded)');
  const items = costLineItems(today, days);
  const accounts = new Set(Object.values(config.environments).map((e) => e.account));
  for (const account of accounts) {
    const mine = items.filter((i) => config.environments[i.Tags.Environment]?.account === account);
    const res = await fetch(new URL('/moto-api/static/ce/cost-and-usage-results', endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: account, results: [{ LineItems: mine }] }),
    });
    if (res.status !== 201)
      throw new Error(`seeding Cost Explorer in moto answered ${res.status}: ${await res.text()}`);
  }
  return items.length;
}
