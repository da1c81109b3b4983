import type { EnvironmentName } from '../../core/environments';
import type { PromotionRecord } from '../../core/promotion';
import { changeRecordLines } from '../../core/promotion';

/** `promotions {env}`: one CM-3 change record per promotion, newest first (shared by the terminal and Slack). */
export function renderPromotions(
  env: EnvironmentName,
  records: readonly PromotionRecord[],
): { headline: string; body: string } {
  if (records.length === 0) return { headline: `no promotions into ${env} in the audit trail`, body: '' };
  return {
    headline: `${records.length} promotion(s) into ${env}, newest first (CM-3 change records from the audit trail)`,
    body: records.map((r) => changeRecordLines(r).join('\n')).join('\n\n'),
  };
}
