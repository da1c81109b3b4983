import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import type { AppConfig } from '../../core/config';
import { testConfig } from '../support/sandbox';

/**
 * sandbox/moto/cost_explorer.py: GetCostAndUsage computed from seeded line items (moto alone hands out queued
 * results whatever the request). Its own Environment tag value keeps these items apart from other tests' seeds.
 */
const ENV = `moto-ce-${Date.now().toString(36)}`;
let config: AppConfig;
let ce: CostExplorerClient;

const item = (Date: string, Service: string, Amount: string, service?: string) => ({
  Date,
  Service,
  Tags: service ? { Environment: ENV, Service: service } : { Environment: ENV },
  Amount,
  Unit: 'USD',
});
const ITEMS = [
  item('2026-01-30', 'Amazon Relational Database Service', '10.00', 'payments-api'),
  item('2026-01-31', 'Amazon Relational Database Service', '11.50', 'payments-api'),
  item('2026-02-01', 'Amazon Relational Database Service', '12.25', 'payments-api'),
  item('2026-01-31', 'AmazonCloudWatch', '1.10', 'payments-api'),
  item('2026-01-31', 'Amazon Simple Storage Service', '2.20'),
  item('2026-02-01', 'Amazon Simple Storage Service', '3.30'),
];

async function seed(items: unknown[]): Promise<void> {
  const res = await fetch(new URL('/moto-api/static/ce/cost-and-usage-results', config.aws.endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: '123456789012', results: [{ LineItems: items }] }),
  });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  config = testConfig();
  ce = new CostExplorerClient({
    region: 'us-east-1',
    endpoint: config.aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await seed(ITEMS);
  await seed(ITEMS); // seeding the same days again replaces them: nothing counts twice
});

const mine = { Tags: { Key: 'Environment', Values: [ENV] } };

describe('the sandbox Cost Explorer answers from seeded line items', () => {
  it('DAILY, filtered by tag, grouped by the Service tag: untagged spend is Service$, End is exclusive', async () => {
    const out = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-01-30', End: '2026-02-01' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
        Filter: mine,
        GroupBy: [{ Type: 'TAG', Key: 'Service' }],
      }),
    );
    const rows = (out.ResultsByTime ?? []).map((r) => [
      r.TimePeriod?.Start,
      (r.Groups ?? []).map((g) => [g.Keys?.[0], Number(g.Metrics?.UnblendedCost?.Amount)]),
    ]);
    expect(rows).toEqual([
      ['2026-01-30', [['Service$payments-api', 10]]],
      [
        '2026-01-31',
        [
          ['Service$', 2.2],
          ['Service$payments-api', 12.6],
        ],
      ],
    ]);
  });

  it('MONTHLY by AWS service, with an And of the tag and a SERVICE dimension filter', async () => {
    const out = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-01-01', End: '2026-03-01' },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        Filter: {
          And: [
            mine,
            { Dimensions: { Key: 'SERVICE', Values: ['Amazon Relational Database Service', 'AmazonCloudWatch'] } },
          ],
        },
        GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
      }),
    );
    expect(
      (out.ResultsByTime ?? []).map((r) => [
        r.TimePeriod?.Start,
        (r.Groups ?? []).map((g) => [g.Keys?.[0], Number(g.Metrics?.UnblendedCost?.Amount)]),
      ]),
    ).toEqual([
      [
        '2026-01-01',
        [
          ['Amazon Relational Database Service', 21.5],
          ['AmazonCloudWatch', 1.1],
        ],
      ],
      ['2026-02-01', [['Amazon Relational Database Service', 12.25]]],
    ]);
  });

  it('no GroupBy: the Total per day; a filter it does not model is refused, not ignored', async () => {
    const out = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-02-01', End: '2026-02-02' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
        Filter: mine,
      }),
    );
    expect(Number(out.ResultsByTime?.[0]?.Total?.UnblendedCost?.Amount)).toBe(15.55);
    await expect(
      ce.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: '2026-02-01', End: '2026-02-02' },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
          Filter: { Or: [mine, { Tags: { Key: 'Environment', Values: ['dev'] } }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/not modelled/) });
  });
});
