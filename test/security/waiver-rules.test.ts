import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsonlAuditLog } from '../../adapters/audit/jsonl-audit-log';
import { createRunCommand } from '../../adapters/cli/run-command';
import { createJsonlWaiverStore } from '../../adapters/waivers/jsonl-waiver-store';
import { grantWaiver } from '../../activities/security/waivers';
import { testConfig } from '../support/sandbox';
import { readSecurityConfig } from '../../core/security/config';
import type { Finding, ScanResult } from '../../core/security/findings';
import { emptyCounts } from '../../core/security/findings';
import { evaluateGate } from '../../core/security/gate';
import type { Waiver } from '../../core/security/waivers';
import { findingIdProblem, waiverDuration, waiverExcuse, waiverStatus } from '../../core/security/waivers';

const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);
const NOW = new Date('2026-06-01T00:00:00Z');
const crit: Finding = {
  source: 'trivy',
  kind: 'vuln',
  id: 'CVE-2019-10744',
  severity: 'CRITICAL',
  title: 't',
  target: 'app',
  pkg: 'lodash',
  installed: '4.17.11',
  fixed: '4.17.12',
};
const scan = (digest: string): ScanResult => ({
  target: 'ghcr.io/example/payments-api:1.4.2',
  artifact: 'image',
  digest,
  findings: [crit],
  counts: { ...emptyCounts(), CRITICAL: 1 },
  total: 1,
  truncated: false,
  scanner: { name: 'trivy' },
  scannedAt: NOW.toISOString(),
});
const PRD = { mode: 'block', vulnerabilities: ['CRITICAL', 'HIGH'], fixableOnly: true, misconfigurations: [] } as const;
const waiver = (over: Partial<Waiver> = {}): Waiver => ({
  id: 'wv-0123456789',
  environment: 'prd',
  findingId: 'CVE-2019-10744',
  image: 'ghcr.io/example/payments-api:1.4.2',
  digest: D1,
  reason: 'not reachable from user input',
  grantedBy: 'bob',
  grantedAt: '2026-05-30T00:00:00Z',
  expiresAt: '2026-06-02T00:00:00Z',
  ...over,
});
const gate = (ws: Waiver[], digest = D1, requester = 'alice') =>
  evaluateGate(scan(digest), PRD, 'prd', waiverExcuse(ws, NOW, requester).excuse);

describe('waiver rules (pure)', () => {
  it('an active waiver for the exact digest excuses the finding; the summary counts it', () => {
    const v = gate([waiver()]);
    expect(v.passed).toBe(true);
    expect(v.excused[0]?.why).toBe(
      'waived by bob until 2026-06-02T00:00:00Z (wv-0123456789): not reachable from user input',
    );
    expect(v.summary).toMatch(/; 1 waived \(CVE-2019-10744\)$/);
  });

  it('never: for another digest, once expired, once revoked, for another finding, or for the waiver author own rollout', () => {
    expect(gate([waiver()], D2).passed).toBe(false);
    expect(gate([waiver({ expiresAt: '2026-05-31T23:59:59Z' })]).passed).toBe(false);
    expect(gate([waiver({ revokedAt: '2026-05-31T00:00:00Z', revokedBy: 'carol' })]).passed).toBe(false);
    expect(gate([waiver({ findingId: 'CVE-2020-8203' })]).passed).toBe(false);
    expect(gate([waiver()], D1, 'bob').passed).toBe(false);
    const d = waiverExcuse([waiver({ expiresAt: '2026-05-01T00:00:00Z' })], NOW, 'alice');
    evaluateGate(scan(D1), PRD, 'prd', d.excuse);
    expect(d.notApplied()).toEqual([
      'CVE-2019-10744: waiver wv-0123456789 by bob not applied: expired (2026-05-01T00:00:00Z)',
    ]);
    expect(waiverStatus(waiver({ expiresAt: NOW.toISOString() }), NOW)).toBe('expired');
  });

  it('checks finding ids, durations and the maxDays setting', () => {
    for (const ok of ['CVE-2019-10744', 'GHSA-jf85-cpcp-j695', 'AVD-KSV-0017', 'KSV017', 'AVD-AWS-0086'])
      expect(findingIdProblem(ok)).toBeUndefined();
    for (const bad of ['CVE-19-1', 'lodash', 'CVE-2019-10744;rm', ''])
      expect(findingIdProblem(bad)).toMatch(/is not a finding id/);
    expect(waiverDuration('30d')).toBe(30 * 86400);
    expect(waiverDuration('12h')).toBe(12 * 3600);
    expect(waiverDuration('91d')).toMatch(/longer than the 90 days/);
    expect(waiverDuration('91d', 120)).toBe(91 * 86400);
    expect(waiverDuration('30')).toMatch(/not a duration; write a number and a unit/);
    expect(waiverDuration('30s')).toMatch(/shorter than a minute/);
    const base = { trivy: { cacheDir: '/c' } };
    expect(readSecurityConfig({ ...base, waivers: { maxDays: 30 } }).value?.waivers).toEqual({ maxDays: 30 });
    expect(readSecurityConfig(base).value?.waivers).toEqual({ maxDays: 90 });
    expect(readSecurityConfig({ ...base, waivers: { maxDays: 400 } }).issues).toEqual([
      { path: 'security.waivers.maxDays', problem: "must be a whole number of days from 1 to 365, got '400'" },
    ]);
  });
});

describe('the JSON-lines waiver store', () => {
  it('keeps the first of a retried add, revokes once, survives a torn last line, and filters by environment', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'waiver-store-')), 'waivers.jsonl');
    const store = createJsonlWaiverStore(path);
    expect(await store.add(waiver())).toEqual(waiver());
    expect(await store.add(waiver({ reason: 'a retry with other words' }))).toEqual(waiver());
    await store.add(waiver({ id: 'wv-00000000aa', environment: 'tst' }));
    appendFileSync(path, '{"op":"add","waiver":{"id":"wv-torn'); // a crash mid-append
    expect((await store.list()).map((w) => w.id)).toEqual(['wv-0123456789', 'wv-00000000aa']);
    const r = await store.revoke('wv-0123456789', 'carol', '2026-06-01T01:00:00Z');
    expect(r).toMatchObject({ revokedBy: 'carol', revokedAt: '2026-06-01T01:00:00Z' });
    expect(await store.revoke('wv-0123456789', 'bob', '2026-06-01T02:00:00Z')).toMatchObject({ revokedBy: 'carol' });
    expect(await store.revoke('wv-ffffffffff', 'bob', '2026-06-01T02:00:00Z')).toBeUndefined();
    expect((await store.list('prd')).map((w) => [w.id, w.revokedBy])).toEqual([['wv-0123456789', 'carol']]);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { op: string }).op)).toEqual(['add', 'add', 'revoke']);
  });
});

describe('grantWaiver retried (real trivy, the offline DB)', () => {
  it('a second attempt of the same request stores and audits the waiver once, with the digest trivy reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'waiver-grant-'));
    const config = testConfig();
    const store = createJsonlWaiverStore(join(dir, 'waivers.jsonl'));
    const audit = createJsonlAuditLog(join(dir, 'audit.jsonl'));
    const deps = {
      security: {
        run: createRunCommand(),
        trivyBin: config.tools.trivy,
        config: config.security!,
        roots: config.roots,
        repoDir: join(__dirname, '..', '..'),
        infraDir: config.infraDir,
      },
      store,
      audit,
      policyConfig: config,
    };
    const input = {
      findingId: 'CVE-2021-44906',
      image: 'ghcr.io/example/checkout-web:2.1.0',
      environment: 'tst' as const,
      duration: '3d',
      reason: 'minimist only parses our own fixed argv',
      by: 'carol',
      requestId: 'req-1',
    };
    const first = await grantWaiver(deps, input);
    const again = await grantWaiver(deps, input);
    expect(again).toEqual(first);
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.finding).toMatch(/^CVE-2021-44906 CRITICAL minimist 1.2.5 → /);
    expect(await store.list()).toHaveLength(1);
    const records = (await audit.tail(10)).filter((r) => r.action === 'waiver-granted');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ actor: 'carol', environment: 'tst', details: { id: first.id, length: '3d' } });
  }, 60_000);
});
