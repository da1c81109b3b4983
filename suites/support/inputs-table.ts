/**
 * The bad inputs of `npm run suite:inputs`, generated from tables: command templates with one slot to spoil, and
 * families of spoilt values. Each case says which words a clear answer must contain.
 */

/** One bad input and what its answer must name. */
export interface InputCase {
  readonly group: string;
  readonly name: string;
  /** The line as typed (slash command text, mention text or terminal line). */
  readonly line: string;
  /** A clear answer contains one of these (the slot's name, the limit, the words of the refusal). */
  readonly expect: readonly string[];
  /** Where it is sent. */
  readonly via: 'slack' | 'mention' | 'cli';
}

/** A template with `{}` where the spoilt value goes, and the slot name its error carries. */
const TEMPLATES: readonly (readonly [string, string])[] = [
  ['deploy stack sx-a to {}', 'env'],
  ['deploy stack {} to dev', 'stack'],
  ['delete stack {} from dev', 'stack'],
  ['rollout payments-api {} to dev', 'version'],
  ['rollout {} 1.2.3 to dev', 'service'],
  ['logs {} payments-api dev', 'pod'],
  ['validate {}', 'path'],
  ['approve {}', 'op'],
  ['cancel {}', 'op'],
  ['helm upgrade {} dev', 'release'],
  ['describe {} payments-api dev', 'object'],
  ['pods {} dev', 'service'],
];

/** Families of spoilt single-token values (no spaces: each stays one slot). */
export const FAMILIES: Readonly<Record<string, readonly string[]>> = {
  'path traversal': ['../../etc/passwd', '..', 'a/../../b', '%2e%2e%2fetc', '/etc/shadow', '~/.aws/credentials'],
  'flag injection': ['--kubeconfig=/tmp/k', '-n', '--post-renderer=/bin/sh', '--set=image.tag=x', '-oyaml'],
  'unicode confusables': ['dеv', 'ѕx-a', 'раyments-api', 'ｄｅｖ', 'prd\u0131', 'sx\u2010a'],
  'control characters': ['dev\u0000', 'dev\u200b', 'dev\u202e', 'dev\u001b[31m', 'x\u0007y', 'a\u00adb'],
  'mrkdwn and mentions': ['<!channel>', '<@U0BOB0001>', '<!here>', '*bold*', '<https://evil.test|dev>', '`x`'],
  'shell metacharacters': ['$(reboot)', '`id`', 'a;b', 'a|b', 'a&&b', '$HOME'],
};

/** Raw Slack markup that would ping people or disguise a link if re-posted unescaped. */
export const PINGS = ['<!channel>', '<!here>', '<@U0BOB0001>', '<https://evil.test|dev>', '<!everyone>'];

/** Grammar cases: every template × every spoilt value, alternating the front end. */
export function grammarCases(): InputCase[] {
  const out: InputCase[] = [];
  let k = 0;
  for (const [family, values] of Object.entries(FAMILIES))
    for (const [template, slot] of TEMPLATES)
      for (const v of values) {
        const via = (['slack', 'cli', 'mention'] as const)[k++ % 3] ?? 'slack';
        out.push({
          group: `grammar: ${family}`,
          name: `${template.replace('{}', JSON.stringify(v))} via ${via}`,
          line: template.replace('{}', v),
          expect: [`${slot}:`, 'did not understand'],
          via,
        });
      }
  return out;
}

/** Over-long requests: each answered with its length and the limit, by every front end. */
export function lengthCases(limit: number): InputCase[] {
  const out: InputCase[] = [];
  for (const n of [limit + 1, limit + 100, 10_000, 39_999, 40_000])
    for (const via of ['slack', 'mention', 'cli'] as const)
      for (const filler of ['x', 'é', '<!channel> ', '\u202e'])
        out.push({
          group: 'oversized text',
          name: `${n} chars of ${JSON.stringify(filler)} via ${via}`,
          line: `deploy ${filler.repeat(Math.ceil(n / filler.length))}`.slice(0, n),
          expect: [`the most I read is ${limit}`],
          via,
        });
  return out;
}

/** Random garbage from a seeded generator: printable, control and astral characters, mixed with command words. */
export function garbageCases(rnd: () => number, n: number): InputCase[] {
  const alphabet = [
    'deploy',
    'stack',
    'to',
    'approve',
    'helm',
    '--',
    '..',
    '/',
    '<',
    '>',
    '@',
    '!',
    '\u0000',
    '\t',
    'é',
    '😀',
    '\u202e',
    'ﬁ',
    'prd',
    'stack/prd/',
  ];
  const out: InputCase[] = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(rnd() * 8);
    const words = Array.from({ length: len }, () => alphabet[Math.floor(rnd() * alphabet.length)] ?? 'x');
    const line = words.join(rnd() < 0.5 ? ' ' : '');
    out.push({
      group: 'grammar: seeded garbage',
      name: JSON.stringify(line),
      line,
      expect: ['is not', 'did not understand', 'empty request'],
      via: (['slack', 'cli', 'mention'] as const)[i % 3] ?? 'slack',
    });
  }
  return out;
}
