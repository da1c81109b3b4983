import { COMMANDS } from './catalog';
import type { CommandSpec } from './spec';

/** `help` with no argument: every command, its summary and one example. */
export function renderHelp(topic?: string): string {
  const all = COMMANDS as readonly CommandSpec[];
  if (topic) {
    const t = topic.toLowerCase();
    // A command's name, or the first word of its pattern or of an alias (`help deploy` also shows rollouts).
    const hits = all.filter(
      (c) =>
        c.name === t || c.name.startsWith(t) || [c.pattern, ...(c.aliases ?? [])].some((p) => p.split(' ')[0] === t),
    );
    if (hits.length === 0) return `no command called '${topic}'.\n\n${renderHelp()}`;
    return hits
      .map((c) =>
        [
          `${c.pattern}${c.effect === 'write' ? '    [changes infrastructure: preview + approval]' : c.effect === 'decision' ? (c.serves === 'waiver' ? '    [approvers of the environment]' : '    [steers an operation: configured users]') : c.access === 'known-users' ? '    [configured users only]' : ''}`,
          `  ${c.summary}`,
          ...c.params.map((p) => `  {${p.name}}${p.optional ? ' (optional)' : ''}: ${p.description}`),
          ...(c.aliases?.length ? [`  also: ${c.aliases.join(' | ')}`] : []),
          '  examples:',
          ...c.examples.map((e) => `    ${e}`),
        ].join('\n'),
      )
      .join('\n\n');
  }
  const width = Math.max(...all.map((c) => c.pattern.length));
  return [
    'commands (type `help <command>` for details):',
    ...all.map((c) => `  ${c.pattern.padEnd(width)}  ${c.summary}\n  ${''.padEnd(width)}  e.g. ${c.examples[0] ?? ''}`),
    '',
    'setting up (not commands of the grammar):',
    '  mfa enroll    set up the authenticator PRD approvals ask for (`/infra mfa enroll` in Slack; replacing one: Slack only)',
    '  mfa keygen    (terminal, once per deployment) the MFA key the bot and terminals share, in <state dir>/mfa.key',
  ].join('\n');
}
