import { join } from 'node:path';
import { createJsonlAuditLog } from '../../adapters/audit/jsonl-audit-log';
import { createPgAuditLog } from '../../adapters/store/postgres/audit-log';
import { openPgStore } from '../../adapters/store/postgres/pool';

/**
 * Another process appending to a shared audit trail: `append-child.ts <file|postgres> <dir|url> <count> <tag>`.
 * Appends `count` entries at once and prints the seqs it was given as JSON.
 */
async function main(): Promise<void> {
  const [kind, location, countText, tag] = process.argv.slice(2);
  if (!kind || !location || !countText || !tag) throw new Error('usage: append-child <kind> <location> <count> <tag>');
  const pg = kind === 'postgres' ? await openPgStore({ url: location, poolSize: 4 }) : undefined;
  const audit = pg ? createPgAuditLog(pg.db) : createJsonlAuditLog(join(location, 'audit.jsonl'));
  const records = await Promise.all(
    Array.from({ length: Number(countText) }, (_, i) =>
      audit.append({
        key: `${tag}-${i}`,
        action: 'requested',
        actor: tag,
        operationId: `op-${tag}`,
        environment: 'dev',
        target: `n${i}`,
      }),
    ),
  );
  await pg?.close();
  process.stdout.write(JSON.stringify(records.map((r) => r.seq)));
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
