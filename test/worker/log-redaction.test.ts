import { Logger, boltLogger, routeConsole, temporalLogger } from '../../worker/ops/logger';
import { redactText } from '../../core/redaction';

const PLANTED = 'xoxb-1234567890-planted-secret-value';
const KNOWN = 'zq9-not-shaped-but-known-2024';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function capture(format: 'json' | 'text'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = new Logger({ format, level: 'debug', secrets: [KNOWN], write: (l) => lines.push(l) }).child({
    component: 'test',
  });
  return { logger, lines };
}

describe('structured logs with secrets redacted', () => {
  it.each(['json', 'text'] as const)(
    'GIVEN a planted secret on every logging path (%s) THEN it never appears in the output',
    (format) => {
      const { logger, lines } = capture(format);
      logger.info('field', { botToken: PLANTED, nested: { signingSecret: KNOWN, note: `has ${PLANTED}` } });
      logger.warn(`message with ${PLANTED} and Authorization: Bearer abcdefghijklmnop and ${AWS_SECRET}`);
      logger.error('an error', { err: new Error(`call failed with token=${PLANTED} key ${KNOWN}`) });
      logger.info('one-time code', { mfaCode: '123456', exitCode: 1, code: 'ENOENT' });
      const restore = routeConsole(logger);
      try {
        console.log('console with %s', PLANTED);
        console.error(new Error(`console error ${KNOWN}`));
      } finally {
        restore();
      }
      const bolt = boltLogger(logger);
      bolt.warn(`bolt ${PLANTED}`);
      const temporal = temporalLogger(logger);
      temporal.error(`temporal ${PLANTED}`, { workflowId: 'deploy-stack/dev/x', password: KNOWN });

      const out = lines.join('\n');
      expect(lines).toHaveLength(8);
      for (const secret of [PLANTED, KNOWN, AWS_SECRET, 'abcdefghijklmnop', '123456'])
        expect(out).not.toContain(secret);
      expect(out).toContain('[redacted]');
      // What is not a secret stays: error codes, exit codes, workflow ids.
      expect(out).toContain('ENOENT');
      expect(out).toContain('deploy-stack/dev/x');
      if (format === 'json') {
        const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
        for (const p of parsed) expect(Object.keys(p).slice(0, 4)).toEqual(['time', 'level', 'msg', 'component']);
        expect(parsed[6]).toMatchObject({ level: 'warn', msg: 'bolt [redacted]' });
        expect(parsed[7]).toMatchObject({ level: 'error', workflowId: 'deploy-stack/dev/x', password: '[redacted]' });
      }
    },
  );

  it('GIVEN text that only looks like a secret THEN a git commit (40 hex) and an access key id stay', () => {
    const sha = '0491b4b2f1e9c3d8a7b6c5d4e3f2a1b0c9d8e7f6';
    expect(redactText(`commit ${sha} by AKIAIOSFODNN7EXAMPLE`)).toBe(`commit ${sha} by AKIAIOSFODNN7EXAMPLE`);
    expect(redactText(`https://u:pw123@host/x`)).toBe('https://u:[redacted]@host/x');
  });
});
