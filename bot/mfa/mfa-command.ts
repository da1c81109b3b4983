import type { webApi } from '@slack/bolt';
import { toBuffer } from 'qrcode';
import { mfaRefusalText } from '../../core/mfa';
import type { MfaReservation } from '../../core/mfa';
import { textReply } from '../../presentation/slack/text';
import type { BotDeps } from '../deps';
import type { SlackIdentity } from '../identity';
import type { Reply } from '../run-command';

/**
 * `mfa enroll`: creates the person's TOTP secret and sends it to them alone, in a DM — a QR code image and the
 * key. The answer in the channel says only where to look.
 */
export async function handleMfaCommand(
  deps: BotDeps,
  client: webApi.WebClient,
  who: SlackIdentity,
  text: string,
): Promise<Reply> {
  const m = /^mfa\s+enroll(?:\s+(\d{6}))?$/i.exec(text.trim());
  if (!m)
    return textReply(
      'Usage: `/infra mfa enroll` — set up the authenticator used for PRD approvals (`/infra mfa enroll <current code>` to replace one).',
    );
  if (!who.known) return textReply(":lock: Only people in infra-agent's user list can enroll an authenticator.");
  const slackUser = deps.config.users[who.requester.userId]?.slack?.userId;
  if (!slackUser) return textReply(':lock: Your config entry has no Slack user id.');
  // Replacing an enrolled authenticator needs its current code: a borrowed Slack session alone cannot swap it.
  // The code is used only if the replacement happens (and counts towards the lockout when wrong).
  let held: MfaReservation | undefined;
  if (await deps.mfa.isEnrolled(who.requester.userId)) {
    const replace =
      ':lock: You already have an authenticator. To replace it run `/infra mfa enroll <current code>`; if it is lost, ask an admin to remove your entry.';
    if (!m[1]) return textReply(replace);
    held = await deps.mfa.reserve(who.requester.userId, m[1], { operationId: 'mfa-enroll', via: 'slack' });
    if (held.verdict !== 'ok') return textReply(`:lock: ${mfaRefusalText(held)}`);
  }
  let enrollment;
  try {
    enrollment = await deps.mfa.enroll(who.requester.userId);
  } catch (e) {
    await held?.release();
    throw e;
  }
  await held?.commit();
  const dm = await client.conversations.open({ users: slackUser });
  const channel = dm.channel?.id ?? slackUser;
  await client.files.uploadV2({
    channel_id: channel,
    file: await toBuffer(enrollment.otpauthUri, { type: 'png', margin: 2, width: 256 }),
    filename: 'infra-agent-mfa.png',
    title: 'infra-agent authenticator',
    initial_comment: 'Scan this QR code with your authenticator app (Google Authenticator, 1Password, Authy…).',
  });
  await client.chat.postMessage({
    channel,
    text: `Or add the key by hand: \`${enrollment.secret}\` (TOTP, SHA-1, 6 digits, 30 s). Delete this message once added. PRD approvals will ask for the current code.`,
  });
  return textReply(':closed_lock_with_key: I sent you a direct message with your authenticator QR code and key.');
}
