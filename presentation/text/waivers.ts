import type { EnvironmentName } from '../../core/environments';
import type { WaiverView } from '../../core/security/waivers';
import { waiverLine } from '../../core/security/waivers';

/** `waive` / `unwaive`: what was granted or revoked, in one headline and the waiver's details. */
export function renderWaiverChange(action: 'granted' | 'revoked', w: WaiverView): { headline: string; body: string } {
  const headline =
    action === 'granted'
      ? `Waiver ${w.id}: ${w.findingId} on ${w.image} in ${w.environment} until ${w.expiresAt} (granted by ${w.grantedBy})`
      : `Waiver ${w.id} revoked by ${w.revokedBy ?? '?'} at ${w.revokedAt ?? '?'}: the gate no longer applies it`;
  const body = [
    `digest: ${w.digest} (it applies to this image digest only, never to a rebuild under the same tag)`,
    ...(w.finding ? [`finding: ${w.finding}`] : []),
    `reason: ${w.reason}`,
    ...(action === 'granted'
      ? [`unwaive ${w.id} revokes it; rollouts ${w.grantedBy} requests do not get it (someone else must waive those)`]
      : []),
  ].join('\n');
  return { headline, body };
}

/** `waivers {env}`: newest first, with their status now. */
export function renderWaiverList(
  env: EnvironmentName,
  waivers: readonly WaiverView[],
): { headline: string; body: string } {
  const active = waivers.filter((w) => w.status === 'active').length;
  const headline =
    waivers.length === 0
      ? `No waivers in ${env}`
      : `Waivers in ${env}: ${active} active, ${waivers.length - active} expired or revoked`;
  return { headline, body: waivers.map(waiverLine).join('\n') };
}
