import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { createJsonlAuditLog } from '../../adapters/audit/jsonl-audit-log';
import { TotpMfaVerifier } from '../../adapters/mfa/totp-verifier';
import { createJsonlWaiverStore } from '../../adapters/waivers/jsonl-waiver-store';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import type { Requester } from '../../core/requester';
import type { RolloutActivities } from '../../core/rollout/types';
import { rolloutLines } from '../../core/rollout/summary';
import type { WaiverStore } from '../../core/security/waivers';
import { renderSlackResult } from '../../presentation/slack/result';
import { renderResult } from '../../presentation/text/result';
import { isFailure, runCommand } from '../../bot/run-command';
import { executeLine } from '../../cli/execute';
import { waiveWorkflow } from '../../workflows';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { composeActivities, waiverStorePath } from '../../worker/compose';
import type { PrivateCluster } from '../k8s/private-cluster';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import { testBotDeps } from '../support/bot-deps';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient } from '../support/sandbox';

/**
 * Waivers through the one dispatcher and a real worker (real Temporal, real trivy with the offline DB and the
 * sandbox's image tarballs), and their effect on the PRD rollout gate. As in rollout-gate.test.ts the cluster-side
 * activities are counting stubs. The audit log and the waiver store live in this test's own folder, so no other
 * test's PRD gate sees these waivers. PRD approvals need MFA in the sandbox config, so PRD waivers do too: bob and
 * carol are enrolled in a TOTP verifier of this test whose clock moves one 30 s step per code asked for.
 */
describe('security waivers and the PRD rollout gate (real trivy, real Temporal)', () => {
  let session: GatewaySession;
  let worker: RunningWorker;
  let config: AppConfig;
  let store: WaiverStore;
  const deployed: string[] = [];
  const IMAGE = 'ghcr.io/example/payments-api:1.4.2';
  const LODASH = ['CVE-2019-10744', 'CVE-2020-8203', 'CVE-2021-23337'];
  let mfa: TotpMfaVerifier;
  let clock = Date.now();
  const secrets: Record<string, string> = {};
  /** The person's next code: each one a step later on the verifier's clock, so none is a reused one. */
  const nextCode = async (who: string): Promise<string | undefined> => {
    clock += 30_000;
    const secret = secrets[who];
    return secret ? generate({ secret, epoch: Math.floor(clock / 1000) }) : undefined;
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'waivers-'));
    writeFileSync(
      join(dir, 'kubeconfig'),
      'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: [{ name: stub, context: {} }]\n',
    );
    const cluster = { dir, kube: { contextName: 'stub', kubeconfig: join(dir, 'kubeconfig') } } as PrivateCluster;
    const tc = rolloutTestConfig(
      cluster,
      { 'payments-api': testServiceYaml({}, { image: 'ghcr.io/example/payments-api', namespace: 'payments' }) },
      { dev: { kind: 'istio' }, prd: { kind: 'istio' } },
      { security: true },
    );
    config = { ...tc.config, audit: { ...tc.config.audit, path: join(dir, 'state', 'audit.jsonl') } };
    store = createJsonlWaiverStore(waiverStorePath(config));
    mfa = new TotpMfaVerifier({
      path: join(dir, 'mfa.json'),
      key: randomBytes(32),
      audit: createJsonlAuditLog(config.audit.path),
      now: () => clock,
    });
    for (const who of ['bob', 'carol']) secrets[who] = (await mfa.enroll(who)).secret;
    const real = composeActivities(config);
    const stubs: Omit<RolloutActivities, 'rolloutSecurityGate'> = {
      readColours: () =>
        Promise.resolve({
          blue: { colour: 'blue', exists: false, replicas: 0, readyReplicas: 0 },
          green: { colour: 'green', exists: false, replicas: 0, readyReplicas: 0 },
        }),
      deployColour: (i) => {
        deployed.push(`${i.target.environment}:${i.image}`);
        return Promise.resolve({ changed: true });
      },
      waitColourReady: () => Promise.resolve({ ready: true, replicas: 2, readyReplicas: 2, message: 'ready' }),
      scaleColour: () => Promise.resolve({ changed: true }),
      readTraffic: () => Promise.resolve({ exists: false, weights: { blue: 100, green: 0 } }),
      setTraffic: () => Promise.resolve({ changed: true, previous: { blue: 100, green: 0 } }),
      analyseColour: () =>
        Promise.resolve({ passed: true, measurements: [{ provider: 'pods', passed: true, detail: 'ok' }] }),
    };
    worker = await startWorker(config, { ...real, ...stubs });
    session = await openGateway(config);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await session?.close();
  }, 60_000);

  const gw = () => session.gateway;
  async function run(
    line: string,
    who: Requester,
    askCode: () => Promise<string | undefined> = () => nextCode(who.userId),
  ): Promise<{ r: CommandResult; text: string }> {
    const parsed = gw().parse(line);
    if (!parsed.ok) throw new Error(parsed.error);
    const r = await gw().execute(parsed.command, who, { stepUp: { verifier: mfa, askCode } });
    return { r, text: renderResult(parsed.command, r, who.userId).text };
  }
  const parseError = (line: string): string => {
    const p = gw().parse(line);
    if (p.ok) throw new Error(`'${line}' parsed`);
    return p.error;
  };
  const waiveLine = (id: string, env = 'prd', duration = '7d') =>
    `waive ${id} for ${IMAGE} in ${env} for ${duration} because lodash merge paths never see user input (ticket SEC-42)`;
  async function digestOf(ref: string): Promise<string> {
    const { r } = await run(`scan image ${ref}`, person('alice'));
    if (r.kind !== 'scan' || !r.scan.digest) throw new Error('no digest');
    return r.scan.digest;
  }
  const settled = (op: string) =>
    eventually(
      async () => {
        const s: OperationState = await gw().state(op);
        return s.phase === 'awaiting-approval' || s.outcome !== undefined ? s : undefined;
      },
      90_000,
      `${op} gate`,
    );
  async function prdRollout(who: string): Promise<OperationState> {
    const op = (await gw().startRollout('payments-api', '1.4.2', 'prd', person(who))).operationId;
    return settled(op);
  }

  it('bad input is refused with the field and what to do: unknown env, malformed id, no reason, too long, too short a reason, a finding the image does not have', async () => {
    expect(parseError(waiveLine('CVE-2019-10744', 'staging'))).toMatch(/env: 'staging' is not an environment/);
    expect(parseError(waiveLine('CVE-19-1'))).toMatch(/finding: 'CVE-19-1' is not a finding id; write a CVE/);
    const noReason = gw().parse(`waive CVE-2019-10744 for ${IMAGE} in prd for 7d`);
    expect(noReason.ok).toBe(false);
    if (!noReason.ok)
      expect(noReason.suggestions[0]).toContain(
        '(waive {finding} for {image} in {env} for {duration} because {reason})',
      );
    expect(parseError(waiveLine('CVE-2019-10744', 'prd', 'forever'))).toMatch(/duration: 'forever' is not a duration/);
    expect(parseError(`waive CVE-2019-10744 for ghcr.io/example/payments-api in prd for 7d because x`)).toMatch(
      /image: .*has no tag or digest/,
    );
    await expect(run(waiveLine('CVE-2019-10744', 'prd', '120d'), person('bob'))).rejects.toThrow(
      /duration: '120d' is longer than the 90 days a waiver may last/,
    );
    await expect(run(`waive CVE-2019-10744 for ${IMAGE} in prd for 7d because ok`, person('bob'))).rejects.toThrow(
      /reason: 'ok' is too short/,
    );
    await expect(run(waiveLine('CVE-2021-44906'), person('bob'))).rejects.toThrow(
      /finding: CVE-2021-44906 is not a finding of ghcr.io\/example\/payments-api:1.4.2 \(sha256:[0-9a-f]{12}\); its findings: CVE-2019-10744/,
    );
    expect(await store.list('prd')).toEqual([]);
  }, 120_000);

  it('someone who may not approve in the environment may not waive there (alice in prd; dave, unknown to approvals)', async () => {
    await expect(run(waiveLine('CVE-2019-10744'), person('alice'))).rejects.toThrow(
      /alice may not waive findings in prd: only the people who may approve there may \(approvers: bob, carol\)/,
    );
    await expect(run(waiveLine('CVE-2019-10744'), person('dave'))).rejects.toThrow(
      /dave may not waive findings in prd/,
    );
    await expect(run(waiveLine('CVE-2019-10744'), person('mallory'))).rejects.toThrow(/not a known user/);
    expect(await store.list('prd')).toEqual([]);
  }, 120_000);

  it('an expired waiver and a waiver for another digest do not apply: the PRD rollout is still stopped, and the card says why', async () => {
    const digest = await digestOf(IMAGE);
    const other = await digestOf('ghcr.io/example/checkout-web:2.1.0');
    expect(other).not.toBe(digest);
    const base = {
      environment: 'prd' as const,
      image: IMAGE,
      reason: 'seeded by the test: must never apply',
      grantedBy: 'bob',
      grantedAt: '2026-01-01T00:00:00.000Z',
    };
    for (const [i, id] of LODASH.entries()) {
      // Expired an hour ago, on the right digest.
      await store.add({
        ...base,
        id: `wv-00000000e${i}`,
        findingId: id,
        digest,
        expiresAt: new Date(Date.now() - 3600_000).toISOString(),
      });
      // Active for a month, on another image's digest.
      await store.add({
        ...base,
        id: `wv-00000000d${i}`,
        findingId: id,
        digest: other,
        expiresAt: new Date(Date.now() + 30 * 86400_000).toISOString(),
      });
    }
    const s = await prdRollout('alice');
    expect(s.outcome).toBe('failed');
    expect(s.message).toMatch(/security gate refused ghcr.io\/example\/payments-api:1.4.2: BLOCKED in prd/);
    expect(s.rollout?.securityGate?.waived).toBeUndefined();
    expect(s.rollout?.securityGate?.waiversNotApplied).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CVE-2019-10744: waiver wv-00000000e0 by bob not applied: expired/),
      ]),
    );
    expect(JSON.stringify(s.rollout?.securityGate)).not.toContain('wv-00000000d');
    expect(deployed.filter((d) => d.startsWith('prd:'))).toEqual([]);
    const listed = await run('waivers prd', person('alice'));
    expect(listed.text.split('\n')[0]).toBe('Waivers in prd: 3 active, 3 expired or revoked');
    expect(listed.text).toMatch(
      /wv-00000000e0 CVE-2019-10744 on ghcr.io\/example\/payments-api:1.4.2 \(sha256:\w+\) by bob until .* \[EXPIRED\]/,
    );
  }, 180_000);

  it("an approver's waivers let the PRD rollout of the vulnerable image pass; the card and the audit say what was waived, by whom, until when; unwaive takes it back", async () => {
    const granted: string[] = [];
    for (const id of LODASH) {
      const { r, text } = await run(waiveLine(id), person('bob'));
      if (r.kind !== 'waiver') throw new Error(r.kind);
      expect(r.waiver).toMatchObject({ findingId: id, grantedBy: 'bob', environment: 'prd', status: 'active' });
      expect(text).toMatch(
        new RegExp(`^Waiver wv-[0-9a-f]{10}: ${id} on ${IMAGE.replace(/\./g, '\\.')} in prd until `),
      );
      expect(Date.parse(r.waiver.expiresAt) - Date.parse(r.waiver.grantedAt)).toBe(7 * 86400_000);
      granted.push(r.waiver.id);
    }
    const slack = JSON.stringify(
      renderSlackResult({ name: 'waivers', env: 'prd' }, (await run('waivers prd', person('carol'))).r, 'C1'),
    );
    expect(slack).toContain('Waivers in prd: 6 active');

    const s = await prdRollout('alice');
    expect(s.phase).toBe('awaiting-approval');
    expect(s.rollout?.securityGate).toMatchObject({ passed: true, verdict: 'passed' });
    expect(s.rollout?.securityGate?.summary).toMatch(
      /^PASSED in prd .*: 1 CRITICAL, 2 HIGH, 2 MEDIUM; 3 waived \(CVE-2019-10744, CVE-2020-8203, CVE-2021-23337\)$/,
    );
    const card = rolloutLines(s).join('\n');
    expect(card).toMatch(
      new RegExp(
        `waived: CVE-2019-10744 CRITICAL waived by bob until \\S+ \\(${granted[0]}\\): lodash merge paths never see user input`,
      ),
    );
    expect(deployed).toContain(`prd:${IMAGE}`);
    const records = await gw().audit(500);
    const gate = records.find(
      (r) => r.operationId === s.operationId && r.action === 'security-gate' && r.details?.passed === true,
    );
    expect(JSON.stringify(gate?.details)).toContain(`waived by bob`);
    const grants = records.filter((r) => r.action === 'waiver-granted');
    expect(grants.map((r) => r.actor)).toEqual(['bob', 'bob', 'bob']);
    expect(grants[0]?.details).toMatchObject({
      id: granted[0],
      reason: expect.stringContaining('SEC-42'),
      length: '7d',
    });

    // Alice's rollout is pending: she may not waive for it (nor could she: she does not approve in prd).
    await expect(run(waiveLine('CVE-2019-10744'), person('alice'))).rejects.toThrow(
      /you requested rollout\/prd\/payments-api \(ghcr.io\/example\/payments-api:1.4.2\), which is still running: nobody may waive their own change's findings; ask another approver of prd/,
    );
    await gw().cancel(s.operationId, person('alice'));
    await gw().result(s.operationId);

    // Revoked: the next rollout is stopped again.
    const revoked = await run(`unwaive ${granted[0]}`, person('carol'));
    expect(revoked.text).toMatch(new RegExp(`^Waiver ${granted[0]} revoked by carol at `));
    const again = await prdRollout('alice');
    expect(again.outcome).toBe('failed');
    expect(again.rollout?.securityGate?.waiversNotApplied).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^CVE-2019-10744: waiver ${granted[0]} by bob not applied: revoked`)),
      ]),
    );
    await expect(run(`unwaive ${granted[1]}`, person('alice'))).rejects.toThrow(/alice may not revoke waivers in prd/);
  }, 240_000);

  it("the requester cannot waive their own pending change, and a waiver's author gets no use of it in a rollout of their own", async () => {
    // Carol approves in prd. While her own rollout waits, she may not waive for it.
    const waived = await store.list('prd');
    expect(
      waived.filter(
        (w) => w.grantedBy === 'bob' && !w.revokedAt && w.id.startsWith('wv-') && !w.id.startsWith('wv-00000000'),
      ).length,
    ).toBe(2);
    const carolsWaiver = (await run(waiveLine('CVE-2019-10744'), person('carol'))).r;
    if (carolsWaiver.kind !== 'waiver') throw new Error(carolsWaiver.kind);
    // Carol's rollout: bob's two waivers apply, hers does not, so the CRITICAL blocks.
    const s = await prdRollout('carol');
    expect(s.outcome).toBe('failed');
    expect(s.message).toContain('CVE-2019-10744 CRITICAL');
    expect(s.rollout?.securityGate?.waived).toEqual([
      expect.stringMatching(/^CVE-2020-8203 HIGH waived by bob/),
      expect.stringMatching(/^CVE-2021-23337 HIGH waived by bob/),
    ]);
    expect(s.rollout?.securityGate?.waiversNotApplied).toEqual(
      expect.arrayContaining([
        `CVE-2019-10744: waiver ${carolsWaiver.waiver.id} not applied: carol requested this rollout, and nobody may waive their own change's findings`,
      ]),
    );
    // Bob's rollout: carol's waiver applies, his own two do not, so the HIGHs block.
    const b = await prdRollout('bob');
    expect(b.outcome).toBe('failed');
    expect(b.rollout?.securityGate?.waived).toEqual([
      expect.stringMatching(/^CVE-2019-10744 CRITICAL waived by carol/),
    ]);
    expect(b.rollout?.securityGate?.waiversNotApplied).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CVE-2020-8203: waiver wv-[0-9a-f]{10} not applied: bob requested this rollout/),
      ]),
    );
    // With bob's CRITICAL waiver again, carol's rollout passes on bob's three; while it waits she may not waive for it.
    await run(waiveLine('CVE-2019-10744'), person('bob'));
    const c = await prdRollout('carol');
    expect(c.phase).toBe('awaiting-approval');
    await expect(run(waiveLine('CVE-2020-8203'), person('carol'))).rejects.toThrow(
      /^you requested rollout\/prd\/payments-api \(ghcr.io\/example\/payments-api:1.4.2\), which is still running/,
    );
    await gw().cancel(c.operationId, person('carol'));
    await gw().result(c.operationId);
  }, 240_000);
  it("a PRD waiver needs the approver's MFA code, as a PRD approval does: refused without one, a wrong one counts towards the lockout, the worker refuses one not verified", async () => {
    const none = run(waiveLine('CVE-2020-8203'), person('bob'), () => Promise.resolve(undefined));
    await expect(none).rejects.toMatchObject({
      name: 'MfaRequired',
      reason: 'no-code',
      message: 'waivers in prd need an MFA code',
    });
    // Three wrong codes in one waive (the prompt asks again, as for an approval); each counts towards the lockout.
    let guess = 0;
    const wrong = run(waiveLine('CVE-2020-8203'), person('bob'), () => Promise.resolve(`00000${guess++}`));
    await expect(wrong).rejects.toMatchObject({ name: 'MfaRequired', reason: 'wrong' });
    await expect(wrong).rejects.toThrow(/That code is not valid right now.*\(2 more wrong codes and MFA locks/);
    expect(guess).toBe(3);
    const records = await gw().audit(500);
    expect(records.filter((r) => r.action === 'mfa-failed' && r.actor === 'bob').at(-1)).toMatchObject({
      operationId: 'waiver/prd/CVE-2020-8203',
      environment: 'prd',
    });
    // The terminal's words for it.
    const lines: string[] = [];
    const exit = await executeLine(
      session,
      { ...person('bob'), via: 'cli' },
      waiveLine('CVE-2020-8203'),
      { out: (l) => lines.push(l), err: (l) => lines.push(l) },
      { mfa: { verifier: mfa, askCode: () => Promise.resolve(undefined) } },
    );
    expect(exit).toBe(1);
    expect(lines.join('\n')).toBe('waivers in prd need an MFA code: pass --mfa-code <6 digits>');

    // Slack's words for it: a typed waive has no place for a code, so it says where to give one.
    const slack = await runCommand(
      { ...testBotDeps(config, gw(), mkdtempSync(join(tmpdir(), 'waiver-slack-'))), mfa },
      { requester: { ...person('bob'), via: 'slack', requestId: randomBytes(6).toString('hex') }, known: true },
      waiveLine('CVE-2020-8203'),
      { channel: 'C0WAIVE' },
    );
    expect(isFailure(slack)).toBe(true);
    expect(slack.text).toContain('waivers in prd need your MFA code, as approvals there do');
    expect(slack.text).toContain('run the same line in the terminal');

    // The worker checks it from its own config: a waiver that does not say the code was verified is refused.
    const client = await testClient(config);
    try {
      const direct = client.workflow.execute(waiveWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: `test-waive-unverified-${randomBytes(4).toString('hex')}`,
        args: [
          {
            findingId: 'CVE-2020-8203',
            image: IMAGE,
            environment: 'prd',
            duration: '1d',
            reason: 'no MFA code was given for this one',
            by: 'bob',
            requestId: `unverified-${randomBytes(4).toString('hex')}`,
          },
        ],
        workflowExecutionTimeout: '2m',
      });
      await expect(direct).rejects.toMatchObject({
        cause: { cause: { message: expect.stringContaining("waivers in prd need the approver's MFA code") as string } },
      });
    } finally {
      await client.connection.close();
    }

    // With a valid code: granted, and the audit says the code was checked; the same code does not serve twice.
    clock += 30_000;
    const code = await generate({ secret: secrets.bob!, epoch: Math.floor(clock / 1000) });
    const { r } = await run(waiveLine('CVE-2020-8203'), person('bob'), () => Promise.resolve(code));
    if (r.kind !== 'waiver') throw new Error(r.kind);
    const grant = (await gw().audit(500)).find((a) => a.action === 'waiver-granted' && a.details?.id === r.waiver.id);
    expect(grant?.details).toMatchObject({ mfaVerified: true, grantedBy: 'bob' });
    await expect(run(waiveLine('CVE-2021-23337'), person('bob'), () => Promise.resolve(code))).rejects.toMatchObject({
      name: 'MfaRequired',
      reason: 'reused',
    });
  }, 120_000);
});
