import type { CommandSpec } from './spec';

const env = { name: 'env', kind: 'environment', description: 'target environment: dev, tst or prd' } as const;
const stack = {
  name: 'stack',
  kind: 'stack',
  description: 'stack name from the catalog (see `help stacks`), e.g. vpc',
} as const;
const op = {
  name: 'op',
  kind: 'operation',
  description: 'operation id as shown by `list`, e.g. stack/dev/vpc',
} as const;

/** Every command infra-agent understands, in the order `help` lists them. */
export const COMMANDS = [
  {
    name: 'deploy-stack',
    pattern: 'deploy stack {stack} to {env}',
    aliases: ['deploy {stack} to {env}', 'deploy stack {stack} {env}'],
    summary: 'validate a stack template, preview its change set, and deploy it after approval',
    params: [stack, env],
    examples: ['deploy stack vpc to dev', 'deploy stack eks-cluster to prd'],
    writes: true,
  },
  {
    name: 'delete-stack',
    pattern: 'delete stack {stack} from {env}',
    aliases: ['delete stack {stack} in {env}', 'delete stack {stack} {env}'],
    summary: 'delete a stack after approval',
    params: [stack, env],
    examples: ['delete stack vpc from dev'],
    writes: true,
  },
  {
    name: 'stack-status',
    pattern: 'status stack {stack} {env}',
    aliases: ['status stack {stack} in {env}', 'status {stack} {env}'],
    summary: 'show a stack: status, outputs, recent events',
    params: [stack, env],
    examples: ['status stack vpc dev'],
    writes: false,
  },
  {
    name: 'validate',
    pattern: 'validate {path}',
    summary: 'run cfn-lint, the NIST cfn-guard rules and the mandatory-tag check on templates',
    params: [{ name: 'path', kind: 'path', description: 'template path under infra/, or a stack name' }],
    examples: ['validate infra/cloudformation/00-foundation/vpc.yaml', 'validate vpc'],
    writes: false,
  },
  {
    name: 'approve',
    pattern: 'approve {op}',
    summary: 'approve the change an operation is waiting on (not your own; PRD asks for an MFA code)',
    params: [op],
    examples: ['approve stack/dev/vpc'],
    writes: false,
  },
  {
    name: 'reject',
    pattern: 'reject {op} because {reason}',
    aliases: ['reject {op} {reason}'],
    summary: 'reject the change an operation is waiting on, with a reason',
    params: [
      op,
      { name: 'reason', kind: 'text', description: 'why, shown to the requester and kept in the audit trail' },
    ],
    examples: ['reject stack/dev/vpc because the NAT count is wrong'],
    writes: false,
  },
  {
    name: 'operation-status',
    pattern: 'status {op}',
    summary: 'show one operation: phase, preview, approvals, result',
    params: [op],
    examples: ['status stack/dev/vpc'],
    writes: false,
  },
  {
    name: 'list',
    pattern: 'list',
    aliases: ['list operations', 'ls'],
    summary: 'list running operations and the last finished ones',
    params: [],
    examples: ['list'],
    writes: false,
  },
  {
    name: 'cancel',
    pattern: 'cancel {op}',
    summary: 'cancel an operation that has not started executing (its change set is discarded)',
    params: [op],
    examples: ['cancel stack/dev/vpc'],
    writes: false,
  },
  {
    name: 'audit',
    pattern: 'audit {n}',
    summary: 'show the latest audit records (default 20)',
    params: [{ name: 'n', kind: 'count', description: 'how many records', optional: true }],
    examples: ['audit', 'audit 50'],
    writes: false,
  },
  {
    name: 'whoami',
    pattern: 'whoami {env}',
    summary: "show the AWS identity infra-agent's worker uses in an environment",
    params: [env],
    examples: ['whoami dev'],
    writes: false,
  },
  {
    name: 'help',
    pattern: 'help {command}',
    aliases: ['?'],
    summary: 'list commands, or explain one',
    params: [{ name: 'command', kind: 'command-name', description: 'a command word, e.g. deploy', optional: true }],
    examples: ['help', 'help deploy'],
    writes: false,
  },
] as const satisfies readonly CommandSpec[];

export type CommandName = (typeof COMMANDS)[number]['name'];
