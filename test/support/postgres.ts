import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { ensureDatabase } from '../../sandbox/postgres';
import { sandboxSettings } from '../../sandbox/settings';

/**
 * A fresh database in the test sandbox's PostgreSQL (started by the global setup), named after the test file:
 * each test file (and each call) gets its own, so files running in parallel never see each other's rows.
 */
export async function testDatabaseUrl(testFile: string): Promise<string> {
  const stem = basename(testFile)
    .replace(/\.test\.ts$/, '')
    .replace(/[^a-z0-9]+/gi, '_')
    .toLowerCase()
    .slice(0, 40);
  return ensureDatabase(sandboxSettings(), `t_${stem}_${randomBytes(4).toString('hex')}`);
}
