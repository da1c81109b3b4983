import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsonlAlertStore } from '../../adapters/alerts/jsonl-alert-store';
import { createJsonlAuditLog } from '../../adapters/audit/jsonl-audit-log';
import { createFileMfaRecords } from '../../adapters/mfa/mfa-records';
import { createJsonlWaiverStore } from '../../adapters/waivers/jsonl-waiver-store';
import { DurableDeliveryDedupe } from '../../bot/dedupe';
import { describeStoreContract } from './contract';

// The embedded default: the JSON-lines files beside the audit log, as worker/state-compose.ts lays them out.
describeStoreContract('JSON-lines files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-jsonl-'));
  return Promise.resolve({
    instance: (now) => ({
      audit: createJsonlAuditLog(join(dir, 'audit.jsonl'), now ? { now } : {}),
      mfaRecords: createFileMfaRecords(join(dir, 'mfa-secrets.json')),
      deliveries: new DurableDeliveryDedupe({ dir: join(dir, 'slack-deliveries') }),
      alerts: createJsonlAlertStore(join(dir, 'alerts.jsonl')),
      waivers: createJsonlWaiverStore(join(dir, 'waivers.jsonl')),
    }),
    childArgs: ['file', dir],
    close: () => Promise.resolve(),
  });
});
