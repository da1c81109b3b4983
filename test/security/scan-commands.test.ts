import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivityWebClient } from '../../adapters/slack/web-client';
import { postReplyFiles } from '../../bot/reply-files';
import { runCommand } from '../../bot/run-command';
import { executeLine } from '../../cli/execute';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { Requester } from '../../core/requester';
import { renderSlackResult } from '../../presentation/slack/result';
import { renderResult } from '../../presentation/text/result';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { RunningWorker } from '../support/sandbox';
import { person, startWorker, testConfig } from '../support/sandbox';
import { FakeSlack } from '../support/fake-slack/server';
import { testBotDeps } from '../support/bot-deps';

/**
 * `scan image`, `scan <service> <version>` and `scan config` through the one dispatcher and a real worker: real
 * trivy, the offline DB and image tarballs the bootstrap builds, the sandbox config's `security` section.
 */
let config: AppConfig;
let worker: RunningWorker;
let session: GatewaySession;

beforeAll(async () => {
  const base = testConfig();
  // The repository is one root: the test's misconfigured manifest lives under test/fixtures.
  config = { ...base, roots: [...base.roots, join(__dirname, '..', 'fixtures', 'security')] };
  worker = await startWorker(config);
  session = await openGateway(config);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await session?.close();
}, 60_000);

async function run(
  line: string,
  who: Requester = person('alice'),
): Promise<{ r: CommandResult; text: string; ok: boolean }> {
  const parsed = session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  const r = await session.gateway.execute(parsed.command, { ...who, requestId: randomBytes(6).toString('hex') });
  const t = renderResult(parsed.command, r, who.userId);
  return { r, text: t.text, ok: t.ok };
}

describe('scan commands', () => {
  it('scan image: counts, the worst finding first with installed → fixed and its link, in the terminal and in Slack', async () => {
    const { r, text, ok } = await run('scan image ghcr.io/example/payments-api:1.4.2');
    expect(ok).toBe(false);
    expect(text.split('\n')[0]).toMatch(
      /^ghcr\.io\/example\/payments-api:1\.4\.2 \(alpine 3\.18\.4, sha256:[0-9a-f]{12}\): 1 CRITICAL, 2 HIGH, 2 MEDIUM, 5 of the listed with a fix$/,
    );
    expect(text.split('\n')[1]).toBe(
      'CRITICAL CVE-2019-10744  lodash 4.17.11 → 4.17.12  Prototype Pollution in lodash  https://avd.aquasec.com/nvd/cve-2019-10744',
    );
    expect(text).toMatch(/trivy 0\.74\.0 · vulnerability DB: offline, built \d{4}-\d\d-\d\d$/);
    const slack = JSON.stringify(renderSlackResult({ name: 'scan-image', image: 'x:1' }, r, 'C1'));
    expect(slack).toContain(':warning:');
    expect(slack).toContain('CVE-2019-10744');
  });

  it('scan <service> <version>: the catalog image at that tag; the clean one says so', async () => {
    const { text, ok } = await run('scan payments-api 1.4.3');
    expect(ok).toBe(true);
    expect(text.split('\n')[0]).toMatch(
      /^ghcr\.io\/example\/payments-api:1\.4\.3 \(alpine 3\.18\.4, sha256:\w+\): no known vulnerabilities$/,
    );
    const bad = await run('scan checkout-web 2.1.0');
    expect(bad.text).toContain('CRITICAL CVE-2021-44906  minimist 1.2.5 → 0.2.4, 1.2.6');
  });

  it('scan config: a privileged pod manifest is flagged; paths outside the roots and bad refs are refused', async () => {
    const { text } = await run('scan config test/fixtures/security/manifests');
    expect(text).toMatch(/^test\/fixtures\/security\/manifests: \d+ HIGH, \d+ MEDIUM, \d+ LOW/);
    expect(text).toContain('KSV-0017');
    await expect(run('scan config test/support')).rejects.toThrow(/outside the folders scans may read/);
    expect(session.gateway.parse('scan image ghcr.io/example/payments-api')).toMatchObject({
      ok: false,
      error: expect.stringContaining('has no tag or digest'),
    });
    await expect(run('scan image ghcr.io/example/payments-api:7.7.7')).rejects.toThrow(/no archive for/);
  }, 120_000);

  it('refuses people the config does not name', async () => {
    await expect(run('scan payments-api 1.4.2', person('mallory'))).rejects.toThrow(
      /Scan results say how our services could be attacked/,
    );
  });
  it('a scan whose findings do not fit the message: the terminal writes the full report to a file and prints its path; Slack attaches it (files.uploadV2)', async () => {
    const line = 'scan config test/fixtures/security/manifests';
    const dir = mkdtempSync(join(tmpdir(), 'scan-report-'));
    const out: string[] = [];
    const exit = await executeLine(
      session,
      { ...person('alice'), requestId: randomBytes(6).toString('hex') },
      line,
      { out: (l) => out.push(l), err: (l) => out.push(l) },
      { chartDir: dir },
    );
    expect(exit).toBe(1);
    const text = out.join('\n');
    const total = Number(
      /^\S+: (.*)$/m
        .exec(text)![1]!
        .split(', ')
        .reduce((n, c) => n + Number(c.split(' ')[0]), 0),
    );
    expect(total).toBeGreaterThan(10);
    expect(text).toMatch(
      new RegExp(
        `… and ${total - 10} more in the full report \\(trivy-test_fixtures_security_manifests-\\d+T\\d+Z\\.txt\\)`,
      ),
    );
    const written = new RegExp(`full report \\(${total} findings\\) written to (${dir}/trivy-\\S+\\.txt)$`, 'm').exec(
      text,
    );
    expect(written).not.toBeNull();
    const report = readFileSync(written![1]!, 'utf8').trimEnd().split('\n');
    expect(report[0]).toMatch(/^trivy config report: test\/fixtures\/security\/manifests: /);
    expect(report[2]).toBe(`${total} findings`);
    expect(report.slice(4)).toHaveLength(total);
    expect(report.filter((l) => l.includes('KSV-0017')).length).toBeGreaterThan(0);

    // Slack: the same command's reply carries the report, uploaded into the thread through files.uploadV2.
    const fake = await FakeSlack.start();
    try {
      const deps = testBotDeps(config, session.gateway, dir);
      const who = {
        requester: { ...person('alice'), via: 'slack' as const, requestId: randomBytes(6).toString('hex') },
      };
      const reply = await runCommand(deps, { ...who, known: true }, line, { channel: 'C0SCAN' });
      expect(JSON.stringify(reply)).toContain('more in the full report');
      const client = createActivityWebClient({ botToken: 'xoxb-sandbox', apiUrl: fake.apiUrl });
      const logger = { error: (m: string) => out.push(`slack error: ${m}`) } as unknown as Parameters<
        typeof postReplyFiles
      >[3];
      await postReplyFiles(client, { channel: 'C0SCAN', threadTs: '1700000000.000100' }, reply, logger);
      expect(fake.callsOf('files.completeUploadExternal')).toHaveLength(1);
      const uploaded = fake.callsOf('file_upload');
      expect(uploaded).toHaveLength(1);
      expect(String(uploaded[0]!.args.content).trimEnd().split('\n').slice(4)).toHaveLength(total);
    } finally {
      await fake.stop();
    }
  }, 120_000);
});
