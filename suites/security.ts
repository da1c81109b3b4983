/**
 * npm run suite:security — the security cases of issue 13 against the real product (the bot over HTTP with real
 * signatures against a local Slack, the terminal's executeLine, the worker on a private Temporal + moto sandbox):
 * signatures, replays across restarts and instances, who may approve, Enterprise Grid and other-workspace ids,
 * expiry, MFA brute force and code reuse, PRD without MFA, proposed writes, forged modals, torn audit records, and
 * no secret in logs, history or audit. SUITE_BOUNDED=1 / --bounded skips the cases that wait on a whole
 * operation; --write-docs rewrites this suite's section of docs/reliability.md.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { CloudFormationClient, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { generate } from 'otplib';
import { executeLine } from '../cli/execute';
import type { TerminalMfa } from '../cli/execute';
import { MAX_REQUEST_CHARS } from '../core/limits';
import type { OperationState } from '../core/operations';
import { sealView } from '../bot/view-seal';
import { InputIds, ViewIds } from '../presentation/slack/ids';
import { buildRejectModal } from '../presentation/slack/modals';
import { startBot } from '../test/support/fake-slack/bot-harness';
import type { SlackPerson } from '../test/support/fake-slack/signed';
import { eventBody, postSigned, slashCommandBody, viewSubmissionBody } from '../test/support/fake-slack/signed';
import { person, testClient } from '../test/support/sandbox';
import { openMfaVerifier } from '../worker/mfa-compose';
import { runToken } from '../activities/iac/tokens';
import {
  ALICE,
  BOB,
  CAROL,
  CHANNEL,
  FORM,
  SIGNING_SECRET,
  answerText,
  checkAudit,
  mention,
  sleep,
  slash,
  startWorld,
  waitFor,
  workflowCount,
} from './support/harness';
import { CaseLog, bounded, writeDocSection } from './support/report';

const has = (text: string, ...words: string[]): string | undefined =>
  words.every((w) => text.includes(w)) ? undefined : `expected ${JSON.stringify(words)} in: ${text.slice(0, 300)}`;

async function main(): Promise<number> {
  const t0 = Date.now();
  const full = !bounded();
  // tst approvals expire after 3 s here, so the expiry case waits seconds, not an hour.
  const w = await startWorld('security', (c) => ({
    ...c,
    environments: {
      ...c.environments,
      tst: { ...c.environments.tst, approval: { ...c.environments.tst.approval, expirySeconds: 3 } },
    },
  }));
  const log = new CaseLog();
  const gw = () => w.bot.session.gateway;
  const usedCodes: string[] = [];
  const secrets: string[] = [
    SIGNING_SECRET,
    'xoxb-sandbox',
    'xapp-sandbox',
    w.mfaKey.toString('hex'),
    w.mfaKey.toString('base64'),
  ];
  const awaiting = (op: string) =>
    waitFor(async () => {
      const s = await gw()
        .state(op)
        .catch(() => undefined);
      return s?.phase === 'awaiting-approval' && s.preview ? s : undefined;
    }, 120_000);
  const cli = async (who: string, line: string, mfa?: TerminalMfa) => {
    const out: string[] = [];
    const code = await executeLine(
      w.bot.session,
      person(who),
      line,
      { out: (s) => out.push(s), err: (s) => out.push(s) },
      {
        pollMs: 100,
        ...(mfa ? { mfa } : {}),
      },
    );
    return { code, text: out.join('\n') };
  };
  // The terminal's MFA store as cli/main opens it (worker/mfa-compose): the bot's file and key, refusals audited.
  const terminalMfa = openMfaVerifier(w.config, { INFRA_AGENT_MFA_KEY: w.mfaKey.toString('base64') });
  if (!terminalMfa) throw new Error('the terminal could not open the MFA store');
  const withCode = (c: string): TerminalMfa => {
    usedCodes.push(c);
    return { verifier: terminalMfa, askCode: () => Promise.resolve(c) };
  };
  const unanswered = (id: string): string | undefined =>
    w.fake.callsOf('response_url').some((c) => c.args._id === id) ? 'it was answered' : undefined;

  try {
    // ---- signatures: every forged request is 401 and nothing answers it
    const signed = (o: Parameters<typeof postSigned>[4], body?: string) => {
      const id = `sig-${randomUUID().slice(0, 8)}`;
      return {
        id,
        send: () =>
          postSigned(
            w.bot.url,
            SIGNING_SECRET,
            body ?? slashCommandBody(ALICE, 'list', CHANNEL, w.fake.responseUrl(id)),
            FORM,
            o,
          ),
      };
    };
    const now = Math.floor(Date.now() / 1000);
    for (const [name, o] of [
      ['wrong signing secret', { badSignature: true }],
      ['timestamp 6 minutes old', { timestamp: now - 360 }],
      ['timestamp a day old', { timestamp: now - 86_400 }],
    ] as const)
      await log.run('signatures', name, async () => {
        const s = signed(o);
        const r = await s.send();
        await sleep(300);
        return r.status === 401 ? unanswered(s.id) : `HTTP ${r.status}, expected 401`;
      });
    const rawPost = async (headers: Record<string, string>, body: string) =>
      (await fetch(w.bot.url, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body })).status;
    await log.run('signatures', 'no signature headers', async () => {
      const st = await rawPost({}, slashCommandBody(ALICE, 'list', CHANNEL, w.fake.responseUrl('nosig')));
      return st === 401 ? undefined : `HTTP ${st}`;
    });
    await log.run('signatures', 'signature of another body (tampered text)', async () => {
      const ts = String(Math.floor(Date.now() / 1000));
      const good = slashCommandBody(ALICE, 'list', CHANNEL, w.fake.responseUrl('tamper'));
      const { createHmac } = await import('node:crypto');
      const sig = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${good}`).digest('hex')}`;
      const st = await rawPost(
        { 'x-slack-request-timestamp': ts, 'x-slack-signature': sig },
        good.replace('list', 'help'),
      );
      return st === 401 ? undefined : `HTTP ${st}`;
    });
    await log.run('signatures', 'a v1= signature scheme', async () => {
      const ts = String(Math.floor(Date.now() / 1000));
      const st = await rawPost(
        { 'x-slack-request-timestamp': ts, 'x-slack-signature': 'v1=00' },
        'command=%2Finfra&text=list',
      );
      return st === 401 ? undefined : `HTTP ${st}`;
    });

    // ---- replays
    const answersTo = (id: string) => w.fake.callsOf('response_url').filter((c) => c.args._id === id).length;
    const replayOnce = async (deliver: (body: string, ts: number) => Promise<void>) => {
      const id = `rp-${randomUUID().slice(0, 8)}`;
      const body = slashCommandBody(ALICE, 'help', CHANNEL, w.fake.responseUrl(id));
      const ts = Math.floor(Date.now() / 1000);
      await deliver(body, ts);
      await sleep(1500);
      return answersTo(id) === 1 ? undefined : `${answersTo(id)} answers to one request`;
    };
    await log.run('replay', 'identical signed request twice', () =>
      replayOnce(async (b, ts) => {
        await postSigned(w.bot.url, SIGNING_SECRET, b, FORM, { timestamp: ts });
        await postSigned(w.bot.url, SIGNING_SECRET, b, FORM, { timestamp: ts });
      }),
    );
    await log.run('replay', "Slack's http_timeout retry (X-Slack-Retry-Num 1, 2)", () =>
      replayOnce(async (b, ts) => {
        await postSigned(w.bot.url, SIGNING_SECRET, b, FORM, { timestamp: ts });
        await postSigned(w.bot.url, SIGNING_SECRET, b, FORM, { timestamp: ts, retryNum: 1 });
        await postSigned(w.bot.url, SIGNING_SECRET, b, FORM, { timestamp: ts, retryNum: 2 });
      }),
    );
    await log.run('replay', 'the same request to a restarted bot', () =>
      replayOnce(async (b, ts) => {
        await postSigned(w.bot.url, SIGNING_SECRET, b, FORM, { timestamp: ts });
        await sleep(500);
        await w.restartBot();
        await postSigned(w.bot.url, SIGNING_SECRET, b, FORM, { timestamp: ts });
      }),
    );
    await log.run('replay', 'the same request to another instance over the same state', async () => {
      const other = await startBot(w.config, w.mfaPath, {
        deliveriesDir: w.deliveries,
        mfaKey: w.mfaKey,
        logger: w.logger,
      });
      try {
        return await replayOnce(async (b, ts) => {
          await Promise.all([
            postSigned(w.bot.url, SIGNING_SECRET, b, FORM, { timestamp: ts }),
            postSigned(other.url, SIGNING_SECRET, b, FORM, { timestamp: ts }),
          ]);
        });
      } finally {
        await other.stop();
      }
    });
    await log.run('replay', 'the same event (event_id) twice, once after a restart', async () => {
      const ts = `${1_900_000_000 + Math.floor(Math.random() * 1e6)}.000100`;
      const body = eventBody(ALICE, { type: 'app_mention', channel: CHANNEL, ts, text: '<@U0INFRABOT> help' });
      await postSigned(w.bot.url, SIGNING_SECRET, body, 'application/json');
      await sleep(800);
      await w.restartBot();
      await postSigned(w.bot.url, SIGNING_SECRET, body, 'application/json');
      await sleep(1500);
      const n = w.fake.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts).length;
      return n === 1 ? undefined : `${n} replies to one event`;
    });

    // ---- approvals on a dev deploy requested by alice over Slack
    const opA = 'stack/dev/sx-a';
    await log.run(
      'approvals',
      'alice requests a dev deploy over Slack (the operation the next cases approve)',
      async () => {
        const a = await slash(w, ALICE, 'deploy stack sx-a to dev', 30_000);
        return (await awaiting(opA)) ? undefined : `never awaited approval: ${a.text.slice(0, 200)}`;
      },
    );
    const refusedApproval = async (who: SlackPerson, words: string[]) => {
      const a = await slash(w, who, `approve ${opA}`);
      const s = await gw().state(opA);
      if (s.approvals.length) return `approved by ${s.approvals.map((x) => x.approver).join(',')}`;
      return words.length ? has(a.text, ...words) : a.text.includes('approved by') ? a.text : undefined;
    };
    await log.run('approvals', 'self-approval (alice approves her own request)', () =>
      refusedApproval(ALICE, ['someone else must approve']),
    );
    await log.run('approvals', 'non-approver (carol: sre-leads, dev needs platform)', () =>
      refusedApproval(CAROL, ['may not approve']),
    );
    await log.run('approvals', 'a Slack user the config does not know', () =>
      refusedApproval({ userId: 'U0STRANGER', teamId: 'T0SANDBOX' }, []),
    );
    await log.run('approvals', "bob's user id from another workspace", () =>
      refusedApproval({ userId: BOB.userId, teamId: 'T0OTHERWS' }, []),
    );
    await log.run('approvals', 'Enterprise Grid: a W… id that is not bob', () =>
      refusedApproval({ userId: 'W0BOB0001', teamId: 'T0SANDBOX' }, []),
    );
    await log.run('approvals', "Enterprise Grid: bob's id under an enterprise (E…) team", () =>
      refusedApproval({ userId: BOB.userId, teamId: 'E0GRID001' }, []),
    );
    await log.run('approvals', 'non-approver from the terminal (dave, developers)', async () => {
      const r = await cli('dave', `approve ${opA}`);
      return r.code === 1 ? has(r.text, 'may not approve') : `exit ${r.code}: ${r.text.slice(0, 200)}`;
    });
    const pendingA = await gw()
      .state(opA)
      .catch(() => undefined);
    const metaA = { op: opA, artifact: pendingA?.preview?.artifactId ?? '', channel: CHANNEL };
    const reason = { [InputIds.reasonBlock]: { [InputIds.reason]: { type: 'plain_text_input', value: 'forged' } } };
    await log.run('forged modals (issue 13 item 6)', 'a reject form the bot never opened', async () => {
      const r = await postSigned(
        w.bot.url,
        SIGNING_SECRET,
        viewSubmissionBody(BOB, ViewIds.rejectReason, JSON.stringify(metaA), reason),
        FORM,
      );
      return has(r.body, 'response_action', 'not opened by infra-agent for you');
    });
    await log.run('forged modals (issue 13 item 6)', "bob's sealed form submitted by carol", async () => {
      const bobs = sealView(buildRejectModal(metaA), w.bot.viewSealKey, BOB.userId).private_metadata ?? '';
      const r = await postSigned(
        w.bot.url,
        SIGNING_SECRET,
        viewSubmissionBody(CAROL, ViewIds.rejectReason, bobs, reason),
        FORM,
      );
      const s = await gw().state(opA);
      return s.rejection ? 'the operation was rejected' : has(r.body, 'response_action', 'errors');
    });
    await log.run(
      'approvals',
      'bob (an approver) approves; the artifact names the run (issue 13 item 15)',
      async () => {
        const a = await slash(w, BOB, `approve ${opA}`);
        const s: OperationState = await gw().result(opA);
        const client = await testClient(w.config);
        const runId = (await client.workflow.getHandle(opA).describe()).runId;
        await client.connection.close();
        const art = s.approvals[0]?.artifactId ?? '';
        if (s.outcome !== 'succeeded') return `outcome ${s.outcome}: ${a.text.slice(0, 200)}`;
        // The change set approved is named from the workflow id and this run's id (activities/iac/tokens.ts).
        const name = runToken(opA, runId, 'change-set');
        return art.includes(`:changeSet/${name}/`) ? undefined : `artifact ${art} is not this run's change set ${name}`;
      },
    );

    // ---- MFA in PRD
    const opD = 'stack/prd/sx-d';
    const bobSecret = (await w.bot.mfa.enroll('bob')).secret;
    const carolSecret = (await w.bot.mfa.enroll('carol')).secret;
    secrets.push(bobSecret, carolSecret);
    await log.run('MFA', 'alice requests a PRD deploy (the operation the MFA cases approve)', async () => {
      await gw().startStackOperation('deploy-stack', 'sx-d', 'prd', person('alice'), { notify: { channel: CHANNEL } });
      return (await awaiting(opD)) ? undefined : 'never awaited approval';
    });
    await log.run('MFA', 'PRD without MFA: a typed approve over Slack', async () =>
      has((await slash(w, BOB, `approve ${opD}`)).text, 'needs an MFA code'),
    );
    await log.run('MFA', 'PRD without MFA: the terminal with no MFA store', async () =>
      has((await cli('bob', `approve ${opD}`)).text, 'need an MFA code'),
    );
    for (let i = 1; i <= 5; i++)
      await log.run('MFA brute force (issue 13 item 4)', `wrong code ${i} of 5 (carol)`, async () => {
        const r = await cli('carol', `approve ${opD}`, withCode(String(100000 + i * 7)));
        return r.code === 1 ? undefined : `exit ${r.code}: ${r.text.slice(0, 200)}`;
      });
    await log.run(
      'MFA brute force (issue 13 item 4)',
      'the right code after 5 wrong ones is refused: locked out',
      async () => {
        const r = await cli('carol', `approve ${opD}`, withCode(await generate({ secret: carolSecret })));
        const s = await gw().state(opD);
        if (s.approvals.length) return 'carol approved while locked out';
        return r.code === 1 ? has(r.text, 'Too many wrong MFA codes', '15 minutes') : `exit ${r.code}`;
      },
    );
    await log.run('MFA brute force (issue 13 item 4)', 'the lockout is in the audit trail', () => {
      const recs = checkAudit(w).records.filter((r) => r.actor === 'carol');
      return Promise.resolve(
        recs.some((r) => r.action === 'mfa-locked') ? undefined : 'no mfa-locked record for carol',
      );
    });
    const opE = 'stack/prd/sx-e';
    const bobCode = await generate({ secret: bobSecret });
    await log.run('MFA codes used only by accepted approvals', 'bob requests sx-e in PRD', async () => {
      await gw().startStackOperation('deploy-stack', 'sx-e', 'prd', person('bob'), { notify: { channel: CHANNEL } });
      return (await awaiting(opE)) ? undefined : 'never awaited approval';
    });
    await log.run(
      'MFA codes used only by accepted approvals',
      "bob's valid code on his own (refused) approval",
      async () => {
        const r = await cli('bob', `approve ${opE}`, withCode(bobCode));
        return r.code === 1 ? has(r.text, 'someone else must approve') : `exit ${r.code}`;
      },
    );
    await log.run(
      'MFA codes used only by accepted approvals',
      'the same code then approves alice’s PRD deploy',
      async () => {
        const r = await cli('bob', `approve ${opD}`, withCode(bobCode));
        return r.code === 0 ? has(r.text, 'approved by bob') : `exit ${r.code}: ${r.text.slice(0, 300)}`;
      },
    );
    await log.run('MFA codes used only by accepted approvals', 'that code is then spent: reused, refused', async () => {
      await gw()
        .cancel(opE, person('bob'))
        .catch(() => undefined);
      const opF = 'stack/prd/sx-f';
      await gw().startStackOperation('deploy-stack', 'sx-f', 'prd', person('alice'), { notify: { channel: CHANNEL } });
      await awaiting(opF);
      const r = await cli('bob', `approve ${opF}`, withCode(bobCode));
      await gw()
        .cancel(opF, person('alice'))
        .catch(() => undefined);
      return r.code === 1 ? undefined : `exit ${r.code}: the code was accepted twice`;
    });

    // ---- proposed writes never run without a click
    await log.run('proposed writes', 'free text asking for a deploy is proposed, not run', async () => {
      const before = await workflowCount(w);
      const a = await slash(w, ALICE, 'please deploy the sx-g stack to dev now');
      await sleep(1000);
      const after = await workflowCount(w);
      return after !== before ? `${after - before} runs started` : a.text === '(no answer)' ? 'no answer' : undefined;
    });
    await log.run('proposed writes', 'a mention asking for a PRD delete is proposed, not run', async () => {
      const before = await workflowCount(w);
      await mention(w, ALICE, 'delete the stack sx-g from prod');
      await sleep(1000);
      const after = await workflowCount(w);
      return after !== before ? `${after - before} runs started` : undefined;
    });

    // ---- issue 13's items
    await log.run('issue 13 item 1', 'a 40,000-character mention: answered with the limit, chain intact', async () => {
      const a = await mention(w, ALICE, `deploy ${'<@U0BOB0001> '.repeat(3100)}`.slice(0, 40_000));
      const audit = checkAudit(w);
      if (audit.brokenAt !== undefined) return `chain broken at ${audit.brokenAt}`;
      return has(a.text, `the most I read is ${MAX_REQUEST_CHARS}`);
    });
    await log.run(
      'issue 13 item 1',
      'a 40,000-character reject reason (in a form the bot sealed) keeps the chain',
      async () => {
        const op = 'stack/dev/sx-g';
        await gw().startStackOperation('deploy-stack', 'sx-g', 'dev', person('alice'), {
          notify: { channel: CHANNEL },
        });
        const s = await awaiting(op);
        const meta = { op, artifact: s?.preview?.artifactId ?? '', channel: CHANNEL };
        // Slack caps the field at 3,000 characters; a signed body can carry more, and the audit must hold either.
        const long = `<@U0BOB0001> ${'why '.repeat(10_000)}`.slice(0, 40_000);
        const sealed = sealView(buildRejectModal(meta), w.bot.viewSealKey, BOB.userId).private_metadata ?? '';
        const values = { [InputIds.reasonBlock]: { [InputIds.reason]: { type: 'plain_text_input', value: long } } };
        const r = await postSigned(
          w.bot.url,
          SIGNING_SECRET,
          viewSubmissionBody(BOB, ViewIds.rejectReason, sealed, values),
          FORM,
        );
        if (r.status !== 200) return `HTTP ${r.status}`;
        const done = await gw().result(op);
        const after = await waitFor(() => {
          const a = checkAudit(w);
          return a.records.some((x) => x.operationId === op && x.action === 'rejected') ? a : undefined;
        }, 10_000);
        if (done.outcome !== 'rejected') return `outcome ${done.outcome}`;
        if (!after) return 'no rejected record for the operation';
        if (after.torn) return `${after.torn} torn records`;
        return after.brokenAt === undefined ? undefined : `chain broken at seq ${after.brokenAt}`;
      },
    );
    await log.run('issue 13 item 2', 'a 40,000-character /infra does not hold up help for someone else', async () => {
      const long = slash(w, ALICE, 'x'.repeat(40_000));
      const help = await slash(w, BOB, 'help');
      const l = await long;
      if (help.ackMs > 3000) return `help acked in ${help.ackMs} ms`;
      return has(l.text, `the most I read is ${MAX_REQUEST_CHARS}`) ?? has(help.text, 'infra-agent commands');
    });
    await log.run('issue 13 item 2', 'a 600 KiB body is refused with 413', async () => {
      const r = await postSigned(
        w.bot.url,
        SIGNING_SECRET,
        slashCommandBody(ALICE, 'x'.repeat(600 * 1024), CHANNEL, w.fake.responseUrl('big')),
        FORM,
      );
      return r.status === 413 ? undefined : `HTTP ${r.status}`;
    });
    await log.run('issue 13 item 3', '<!channel> and <@U…> in a command are never re-posted raw', async () => {
      const a = await slash(w, ALICE, 'deploy stack <!channel> to <@U0BOB0001>');
      return a.text.includes('<!channel>') || a.text.includes('<@U0BOB0001>')
        ? `raw: ${a.text.slice(0, 200)}`
        : has(a.text, '&lt;!channel&gt;');
    });
    await log.run('issue 13 item 5', 'a replayed signed deploy after a restart does not start it again', async () => {
      const op = 'stack/dev/sx-h';
      const body = slashCommandBody(ALICE, 'deploy stack sx-h to dev', CHANNEL, w.fake.responseUrl('replay-deploy'));
      const ts = Math.floor(Date.now() / 1000);
      await postSigned(w.bot.url, SIGNING_SECRET, body, FORM, { timestamp: ts });
      await awaiting(op);
      await gw().cancel(op, person('alice'));
      await gw().result(op);
      await w.restartBot();
      await postSigned(w.bot.url, SIGNING_SECRET, body, FORM, { timestamp: ts });
      await sleep(2000);
      const client = await testClient(w.config);
      let runs = 0;
      for await (const _ of client.workflow.list({ query: `WorkflowId = '${op}'` })) runs++;
      await client.connection.close();
      return runs === 1 ? undefined : `${runs} runs of ${op}`;
    });
    await log.run('issue 13 item 7', 'an answer that cannot be delivered is in the log', async () => {
      w.fake.failNext('response_url', 500);
      await postSigned(
        w.bot.url,
        SIGNING_SECRET,
        slashCommandBody(ALICE, 'help', CHANNEL, w.fake.responseUrl('lost')),
        FORM,
      );
      const l = await waitFor(
        () =>
          w.logger.lines.find(
            (x) => x.startsWith('warn') && x.includes(`could not answer /infra from ${ALICE.userId}`),
          ),
        10_000,
      );
      return l ? undefined : 'no warning in the log';
    });
    if (full) {
      await log.run('issue 13 item 10', 'a deploy whose stack vanished before it ran is not SUCCEEDED', async () => {
        const op = 'stack/dev/sx-b';
        await gw().startStackOperation('deploy-stack', 'sx-b', 'dev', person('alice'), {
          notify: { channel: CHANNEL },
        });
        const s = await awaiting(op);
        const cfn = new CloudFormationClient({
          region: 'us-east-1',
          endpoint: w.config.aws?.endpoint,
          credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        });
        await cfn.send(new DeleteStackCommand({ StackName: s?.target ?? '' }));
        await cli('bob', `approve ${op}`);
        const done = await gw().result(op);
        return done.outcome === 'succeeded' ? `outcome succeeded: ${done.message ?? ''}` : undefined;
      });
      await log.run('expired approvals', 'an approval after tst’s 3 s expiry is refused', async () => {
        const op = 'stack/tst/sx-c';
        await gw().startStackOperation('deploy-stack', 'sx-c', 'tst', person('alice'), {
          notify: { channel: CHANNEL },
        });
        const done = await gw().result(op);
        const r = await cli('bob', `approve ${op}`);
        if (done.outcome !== 'expired') return `outcome ${done.outcome}`;
        return r.code === 1 ? undefined : `exit ${r.code}: ${r.text.slice(0, 200)}`;
      });
    }
    await log.run('issue 13 item 11', 'a torn audit record is quarantined and the chain still verifies', async () => {
      appendFileSync(w.config.audit.path, '{"seq":999999,"action":"torn-by-suite');
      await slash(w, CAROL, `approve ${opA}`); // any audited action appends after the torn tail
      const audit = await waitFor(() => {
        const a = checkAudit(w);
        return a.quarantined.length && !a.torn ? a : undefined;
      }, 10_000);
      if (!audit) return `not quarantined: ${JSON.stringify({ ...checkAudit(w), records: undefined })}`;
      return audit.brokenAt === undefined ? undefined : `chain broken at ${audit.brokenAt}`;
    });

    // ---- secrets never in logs, history or audit
    const leaks = (where: string, text: string) => {
      const hit =
        secrets.find((s) => s && text.includes(s)) ??
        usedCodes.find((c) => new RegExp(`(?<![0-9a-f])${c}(?![0-9a-f])`).test(text));
      return hit ? `${where} holds a secret or code (${hit.slice(0, 4)}…)` : undefined;
    };
    await log.run('secrets', 'none in the audit trail', () =>
      Promise.resolve(leaks('audit', JSON.stringify(checkAudit(w).records))),
    );
    await log.run('secrets', "none in the bot's log", () => Promise.resolve(leaks('log', w.logger.lines.join('\n'))));
    await log.run('secrets', 'none in any workflow history', async () => {
      const client = await testClient(w.config);
      let histories = 0;
      try {
        for await (const x of client.workflow.list({ query: `TaskQueue = '${w.config.temporal.taskQueue}'` })) {
          const h = await client.workflow.getHandle(x.workflowId, x.runId).fetchHistory();
          const bad = leaks(`history of ${x.workflowId}`, historyText(h));
          if (bad) return bad;
          histories++;
        }
        return histories > 0 ? undefined : 'no history was read';
      } finally {
        await client.connection.close();
      }
    });
    await log.run('afterwards', 'audit whole and chained, help still answered', async () => {
      const a = checkAudit(w);
      if (a.torn || a.brokenAt !== undefined) return `torn ${a.torn}, broken at ${a.brokenAt}`;
      return has((await slash(w, BOB, 'help')).text, 'infra-agent commands');
    });

    const audit = checkAudit(w);
    const passed = log.results.length - log.failed.length;
    const figures = [
      `cases: ${log.results.length}${full ? '' : ' (bounded: the cases that wait on a whole operation are left out)'}`,
      `audit: ${audit.records.length} records, ${audit.torn} torn, ${audit.quarantined.length} quarantined, chain ${audit.brokenAt === undefined ? 'verified' : `broken at seq ${audit.brokenAt}`}`,
      `time: ${Math.round((Date.now() - t0) / 1000)} s`,
    ];
    for (const l of log.groupLines()) console.log(l);
    for (const f of figures) console.log(f);
    const total = `suite:security: ${passed} passed, ${log.failed.length} failed`;
    console.log(total);
    if (process.argv.includes('--write-docs'))
      writeDocSection(
        'suite:security',
        [
          `### suite:security (${full ? 'full' : 'bounded'} run, ${new Date().toISOString().slice(0, 10)})`,
          '',
          '```',
          ...log.groupLines(),
          ...figures,
          total,
          '```',
          ...(log.failed.length
            ? [
                '',
                'Failing cases:',
                '',
                ...log.failed.map((f) => `- [${f.group}] ${f.name}: ${f.problem?.slice(0, 200)}`),
              ]
            : []),
        ].join('\n'),
      );
    void answerText;
    return log.failed.length === 0 ? 0 : 1;
  } finally {
    await w.stop();
  }
}

/** Every string in a history, payloads (bytes) decoded: the text a secret would show up in. */
function historyText(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(historyText).join('\n');
  if (v && typeof v === 'object') return Object.values(v).map(historyText).join('\n');
  return '';
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
