import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { types } from '@slack/bolt';

/** How long an opened modal may be submitted. Slack keeps a modal open as long as the person leaves it. */
const MAX_AGE_MS = 24 * 60 * 60_000;
const VERSION = 'v1';

/**
 * The key that seals the modals the bot opens, derived from the MFA key every bot instance already holds
 * (HKDF with its own label, so a seal never doubles as anything the MFA store uses).
 */
export function viewSealKey(mfaKey: Buffer): Buffer {
  // Never a seal from a missing key: an empty key would be one anybody can compute.
  if (mfaKey.length !== 32) throw new Error('the modal seal key derives from the 32-byte MFA key, and none was given');
  return Buffer.from(hkdfSync('sha256', mfaKey, Buffer.alloc(0), 'infra-agent slack view seal v1', 32));
}

const mac = (key: Buffer, parts: readonly string[]): string =>
  createHmac('sha256', key).update(parts.join('\n')).digest('base64url');

/**
 * The modal with its private_metadata sealed: `v1.<mac>.<nonce>.<issued ms>.<opener>.<metadata>`, the MAC over
 * the callback id, the opener's Slack user id, the nonce, the time and the metadata (which names the operation).
 * A view_submission is acted on only if its seal verifies for its callback id and its submitter is the opener.
 */
export function sealView(
  view: types.ModalView,
  key: Buffer,
  openerSlackUserId: string,
  now: number = Date.now(),
): types.ModalView {
  const nonce = randomBytes(9).toString('base64url');
  const issued = String(now);
  const metadata = view.private_metadata ?? '';
  const m = mac(key, [view.callback_id ?? '', openerSlackUserId, nonce, issued, metadata]);
  return { ...view, private_metadata: [VERSION, m, nonce, issued, openerSlackUserId, metadata].join('.') };
}

/** The metadata part of a sealed private_metadata, unverified (for records of refusals only), or the raw text. */
export function unverifiedMetadata(raw: string): string {
  const parts = raw.split('.');
  return parts[0] === VERSION && parts.length >= 6 ? parts.slice(5).join('.') : raw;
}

/** A submission's metadata once its seal checks out, or why it was refused. */
export type OpenedView =
  { readonly ok: true; readonly metadata: string } | { readonly ok: false; readonly reason: string };

/** Checks a submitted view against its seal and its submitter; returns the metadata the bot put in it. */
export function openSealedView(
  view: { readonly callback_id: string; readonly private_metadata: string },
  key: Buffer,
  submitterSlackUserId: string,
  now: number = Date.now(),
): OpenedView {
  const raw = view.private_metadata;
  const parts = raw.split('.');
  const [version, m, nonce, issued, opener] = parts;
  if (parts.length < 6 || version !== VERSION || !m || !nonce || !issued || !opener) {
    return { ok: false, reason: 'its metadata carries no seal of this bot' };
  }
  const metadata = raw.slice([version, m, nonce, issued, opener].join('.').length + 1);
  const expected = Buffer.from(mac(key, [view.callback_id, opener, nonce, issued, metadata]));
  const given = Buffer.from(m);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'its seal does not verify (not a form this bot opened, or altered)' };
  }
  if (!(now - Number(issued) <= MAX_AGE_MS)) return { ok: false, reason: 'the form is older than a day' };
  if (opener !== submitterSlackUserId) {
    return { ok: false, reason: `it was opened for ${opener}, not for the person submitting it` };
  }
  return { ok: true, metadata };
}
