import { findingLine } from '../../core/security/findings';
import type { EnvironmentRescan } from '../../core/security/rescan';

const ALERT_WORDS = { post: 'alert posted', update: 'alert updated', resolve: 'alert resolved' } as const;

/**
 * `rescan {env}` for people: a headline with the unwaived CRITICALs found in running images and what the alerts
 * did, then per service its running images (colours, digest, counts), each unwaived CRITICAL with installed → fixed
 * and its link, the waived ones, and what could not be checked.
 */
export function renderRescan(r: EnvironmentRescan): { headline: string; body: string; clean: boolean } {
  const cves = [...new Set(r.services.flatMap((s) => s.images.flatMap((i) => i.critical.map((f) => f.id))))];
  const failed = r.services.filter((s) => s.error || s.images.some((i) => i.error)).length;
  const changed = r.alerts.filter((a) => a.action !== 'none');
  const images = new Set(r.services.flatMap((s) => s.images.map((i) => i.image))).size;
  const headline =
    `[${r.environment}] rescan of ${images} running image${images === 1 ? '' : 's'} (${r.services.length} service${r.services.length === 1 ? '' : 's'}): ` +
    (cves.length ? `unwaived CRITICAL ${cves.join(', ')}` : 'no unwaived CRITICAL') +
    (failed ? `; ${failed} service${failed === 1 ? '' : 's'} could not be checked` : '') +
    `; alerts: ${changed.length ? changed.map((a) => `${a.service} ${ALERT_WORDS[a.action as keyof typeof ALERT_WORDS]}`).join(', ') : 'no change'}`;
  const lines: string[] = [];
  for (const s of r.services) {
    const alert = r.alerts.find((a) => a.service === s.service);
    const said =
      !alert || alert.action === 'none'
        ? `no alert change${alert?.why ? ` (${alert.why})` : ''}`
        : ALERT_WORDS[alert.action];
    lines.push(`${s.service} (${s.namespace}): ${said}`);
    if (s.error) lines.push(`  not checked: ${s.error}`);
    if (!s.error && s.running.length === 0) lines.push('  no running Deployment');
    for (const i of s.images) {
      const colours = s.running.filter((x) => x.image === i.image).map((x) => x.colour);
      if (i.error) {
        lines.push(`  ${i.image} (${colours.join(', ')}): could not be scanned: ${i.error}`);
        continue;
      }
      lines.push(
        `  ${i.image} (${colours.join(', ')})${i.digest ? ` ${i.digest.slice(0, 19)}` : ''}: ${i.counts ?? 'no findings'}`,
      );
      for (const f of i.critical) lines.push(`    ${findingLine(f)}${f.url ? `  ${f.url}` : ''}`);
      if (i.criticalNotListed > 0) lines.push(`    … ${i.criticalNotListed} more CRITICAL (scan image ${i.image})`);
      for (const w of i.waived) lines.push(`    waived: ${w}`);
    }
  }
  const db = r.services.flatMap((s) => s.images.map((i) => i.dbUpdatedAt)).find((d) => d !== undefined);
  if (db) lines.push(`vulnerability DB updated ${db}`);
  return { headline, body: lines.join('\n'), clean: cves.length === 0 && failed === 0 };
}
