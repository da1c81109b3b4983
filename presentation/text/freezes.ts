import type { FreezesReport } from '../../core/freezes';

/**
 * `freezes {env}`: whether writes are refused now and until when, then each configured freeze with the occurrence in
 * force or the next to come (times in UTC, as the refusal says them).
 */
export function renderFreezes(report: FreezesReport): { headline: string; body: string; frozen: boolean } {
  const env = report.environment.toUpperCase();
  const frozen = report.active !== undefined;
  const headline = report.active
    ? `${env} is FROZEN until ${report.active.to}: ${report.active.reason} — writes are refused; reads still run`
    : report.freezes.length === 0
      ? `No change freezes are configured for ${env} (environments.${report.environment}.changeFreezes in the worker's config)`
      : `${env} is not frozen now: writes are taken (${report.freezes.length} freeze(s) configured)`;
  const body = [
    ...report.freezes.map((f) => {
      const o = f.occurrence;
      const when = !o ? 'over' : o.now ? `IN FORCE now, ${o.from} → ${o.to}` : `next ${o.from} → ${o.to}`;
      return `  ${f.description}\n      ${when}`;
    }),
    ...(report.freezes.length ? [`checked ${report.checkedAt} against the worker's config`] : []),
  ].join('\n');
  return { headline, body, frozen };
}
