import { gunzipSync } from 'node:zlib';
import type { Finding, ScanResult } from '../../core/security/findings';

/**
 * A scan command's result with every finding in `findings`: the packed `rest` (gzipped JSON, see ScanResult) is
 * unpacked here, on the front end's side of Temporal, so the full report it attaches lists all of them. A result
 * without `rest` is returned as it is (its `truncated` then says the full report holds the worst only).
 */
export function withEveryFinding(scan: ScanResult): ScanResult {
  if (!scan.rest) return scan;
  const { rest, ...kept } = scan;
  const more = JSON.parse(gunzipSync(Buffer.from(rest.gzipBase64, 'base64')).toString('utf8')) as Finding[];
  const findings = [...scan.findings, ...more];
  return { ...kept, findings, truncated: findings.length < scan.total };
}
