import { COMMANDS } from '../../core/commands/catalog';
import { parseCommand } from '../../core/commands/parse';
import { commandLine, toolSpecs } from '../../core/commands/tool-schema';
import { diagnoseTools } from '../../core/llm/diagnose';
import { effectOf } from '../../core/llm/effects';
import type { ProposalContext } from '../../core/llm/proposal';
import { judgeToolUse } from '../../core/llm/proposal';

const stacks = ['vpc', 'security-groups', 'eks-cluster'];
const services = ['payments-api', 'checkout-web'];
const releases = ['sample-app'];
const ctx: ProposalContext = {
  stacks,
  services,
  releases,
  permissions: { userId: 'alice', known: true, approverIn: ['dev'] },
  autoRun: { environments: ['dev'], unscoped: true },
};
const judge = (name: string, input: unknown, c: ProposalContext = ctx) =>
  judgeToolUse({ toolUseId: 't1', name, input }, c);

describe('tool schemas generated from COMMANDS', () => {
  it('GIVEN the catalog WHEN tools are generated THEN every command is a tool whose schema names exactly its parameters', () => {
    const tools = toolSpecs({ stacks, services, releases });
    expect(tools.map((t) => t.name)).toEqual(COMMANDS.map((c) => c.name));
    for (const c of COMMANDS) {
      const t = tools.find((x) => x.name === c.name)!;
      expect(t.description).toContain(c.summary);
      expect(t.description).toContain(c.examples[0]);
      const schema = t.inputSchema.json as { properties: Record<string, unknown>; required: string[] };
      expect(Object.keys(schema.properties)).toEqual(c.params.map((p) => p.name));
      expect(schema.required).toEqual(c.params.filter((p) => !('optional' in p && p.optional)).map((p) => p.name));
      expect(/^[a-zA-Z0-9_-]{1,64}$/.test(t.name)).toBe(true); // Converse's tool-name rule
    }
    const deploy = tools.find((t) => t.name === 'deploy-stack')!.inputSchema.json as {
      properties: Record<string, { enum?: string[] }>;
    };
    expect(deploy.properties.stack?.enum).toEqual(stacks);
    expect(deploy.properties.env?.enum).toEqual(['dev', 'tst', 'prd']);
    expect(tools.find((t) => t.name === 'deploy-stack')!.description).toMatch(/needs approval/);
  });

  it('GIVEN diagnosis WHEN its tools are generated THEN only reads are offered: no writes, no approve/reject/cancel', () => {
    const names = diagnoseTools({ stacks, services, releases }).map((t) => t.name);
    expect(names.sort()).toEqual([
      'alerts',
      'audit',
      'cost',
      'cost-by-namespace',
      'cost-by-service',
      'cost-by-workload',
      'cost-daily',
      'describe',
      'drift-all',
      'drift-release',
      'drift-service',
      'drift-stack',
      'freezes',
      'helm-diff',
      'helm-history',
      'idle',
      'list',
      'operation-status',
      'pod-logs',
      'promotions',
      'rollout-status',
      'scan-config',
      'scan-image',
      'scan-service',
      'schedules',
      'service-deployments',
      'service-events',
      'service-pods',
      'service-services',
      'stack-status',
      'validate',
      'validate-deployed',
      'verify-service',
      'verify-stack',
      'waivers',
      'whoami',
    ]);
    for (const n of names) expect(effectOf(COMMANDS.find((c) => c.name === n)!)).toBe('read');
  });

  it('GIVEN the catalog THEN every command has a deliberate effect (a new non-writing command must be classified here first)', () => {
    // Reads may auto-run and be called by diagnosis. A new command that steers operations without changing
    // infrastructure (like approve) belongs in core/llm/effects.ts DECISIONS, not silently among the reads.
    const byEffect = (e: string) => COMMANDS.filter((c) => effectOf(c) === e).map((c) => c.name);
    expect(byEffect('write')).toEqual([
      'deploy-stack',
      'delete-stack',
      'remediate-stack',
      'remediate-service',
      'rollout',
      'promote',
      'rollback',
      'helm-install',
      'helm-upgrade',
      'helm-rollback',
      'reap',
    ]);
    expect(byEffect('decision')).toEqual([
      'schedule-pause',
      'schedule-resume',
      'alert-acknowledge',
      'alert-snooze',
      'waive',
      'unwaive',
      'keep',
      'approve',
      'reject',
      'cancel',
      'rollout-pause',
      'rollout-resume',
      'rollout-abort',
    ]);
    expect(byEffect('read')).toEqual([
      'promotions',
      'stack-status',
      'drift-all',
      'drift-stack',
      'drift-service',
      'drift-release',
      'verify-stack',
      'verify-service',
      'schedules',
      'alerts',
      'service-pods',
      'service-deployments',
      'service-services',
      'service-events',
      'pod-logs',
      'rollout-status',
      'describe',
      'helm-history',
      'helm-diff',
      'validate',
      'validate-deployed',
      'scan-image',
      'scan-config',
      'scan-service',
      'waivers',
      'cost',
      'cost-by-service',
      'cost-daily',
      'cost-by-namespace',
      'cost-by-workload',
      'idle',
      'freezes',
      'operation-status',
      'list',
      'audit',
      'whoami',
      'help',
    ]);
  });

  it('GIVEN every example in the catalog WHEN parsed and rendered back THEN the canonical line parses to the same command', () => {
    for (const c of COMMANDS)
      for (const e of c.examples) {
        const p = parseCommand(e, { stacks: ['vpc', 'eks-cluster'], services, releases });
        expect(p.ok).toBe(true);
        if (!p.ok) continue;
        const again = parseCommand(commandLine(p.command), { stacks: ['vpc', 'eks-cluster'], services, releases });
        expect(again).toEqual({ ok: true, command: p.command });
      }
  });
});

describe('proposal validation (grammar, then permissions)', () => {
  it('GIVEN a well-formed write THEN it becomes a proposal that never runs by itself', () => {
    expect(judge('deploy-stack', { stack: 'vpc', env: 'dev' })).toEqual({
      command: { name: 'deploy-stack', stack: 'vpc', env: 'dev' },
      line: 'deploy stack vpc to dev',
      effect: 'write',
      autoRun: false,
    });
  });

  it('GIVEN reads THEN they auto-run only where the policy allows', () => {
    expect(judge('stack-status', { stack: 'vpc', env: 'dev' })).toMatchObject({ autoRun: true, effect: 'read' });
    expect(judge('stack-status', { stack: 'vpc', env: 'prd' })).toMatchObject({ autoRun: false, effect: 'read' });
    expect(judge('list', {})).toMatchObject({ autoRun: true, line: 'list' });
    expect(judge('approve', { op: 'stack/dev/vpc' })).toMatchObject({ autoRun: false, effect: 'decision' });
  });

  it.each([
    ['an unknown tool', 'run-shell', { cmd: 'rm -rf /' }, /not a command/],
    ['an unknown stack', 'deploy-stack', { stack: 'payments', env: 'dev' }, /not a known stack/],
    ['an unknown environment', 'deploy-stack', { stack: 'vpc', env: 'staging' }, /not an environment/],
    ['a missing argument', 'deploy-stack', { stack: 'vpc' }, /not a valid command/],
    ['an extra argument', 'deploy-stack', { stack: 'vpc', env: 'dev', force: true }, /unknown argument/],
    [
      'a smuggled second command',
      'stack-status',
      { stack: 'vpc dev; delete stack vpc from prd', env: 'dev' },
      /single word/,
    ],
    ['arguments that are not an object', 'list', 'list everything', /not an object/],
    ['a path escaping the infra folder', 'validate', { path: '../../etc/passwd' }, /not an acceptable path/],
  ])('GIVEN %s THEN it is refused as not a valid command', (_what, name, input, reason) => {
    expect(judge(name, input)).toMatchObject({ kind: 'grammar', reason: expect.stringMatching(reason) });
  });

  it('GIVEN an unknown caller or a non-approver THEN writes and approvals are refused as permissions', () => {
    const stranger: ProposalContext = { ...ctx, permissions: { userId: 'slack:U999', known: false, approverIn: [] } };
    expect(judge('deploy-stack', { stack: 'vpc', env: 'dev' }, stranger)).toMatchObject({ kind: 'permission' });
    expect(judge('list', {}, stranger)).toMatchObject({ line: 'list' });
    expect(judge('approve', { op: 'stack/prd/vpc' })).toMatchObject({
      kind: 'permission',
      reason: 'alice is not an approver in prd',
    });
  });

  it('GIVEN reads only WHEN a write is proposed THEN it is refused by policy, whatever the arguments', () => {
    const readsOnly: ProposalContext = { ...ctx, allowedEffects: ['read'] };
    expect(judge('delete-stack', { stack: 'vpc', env: 'dev' }, readsOnly)).toMatchObject({ kind: 'policy' });
    expect(judge('approve', { op: 'stack/dev/vpc' }, readsOnly)).toMatchObject({ kind: 'policy' });
  });

  it('GIVEN an unknown caller WHEN pod logs or a describe are proposed (chat or diagnosis) THEN they are refused as permissions; pods are not', () => {
    const stranger: ProposalContext = {
      ...ctx,
      allowedEffects: ['read'],
      permissions: { userId: 'slack:U0STRANGE', known: false, approverIn: [] },
    };
    const pod = 'payments-api-blue-7d9c6b5f4-x2x7q';
    expect(judge('pod-logs', { pod, service: 'payments-api', env: 'dev' }, stranger)).toMatchObject({
      kind: 'permission',
      reason: expect.stringMatching(/pod-logs can show secrets/),
    });
    expect(judge('describe', { object: `pod/${pod}`, service: 'payments-api', env: 'dev' }, stranger)).toMatchObject({
      kind: 'permission',
    });
    expect(judge('service-pods', { service: 'payments-api', env: 'dev' }, stranger)).toMatchObject({
      line: 'pods payments-api dev',
    });
    // A configured user may read them.
    expect(judge('pod-logs', { pod, service: 'payments-api', env: 'dev' })).toMatchObject({ effect: 'read' });
  });
});
