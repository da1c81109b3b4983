/**
 * What the logs never show (docs/operability.md): values under secret-looking keys, and secret-shaped text
 * anywhere (Slack tokens, bearer/basic credentials, AWS secret keys, `password=…` pairs, credentials in URLs),
 * plus the exact secret values the process knows it holds (its config's tokens and keys).
 */
export const REDACTED = '[redacted]';

/** Keys whose values are secrets whatever they look like. */
const SECRET_KEY =
  /(token|secret|passw(or)?d|passphrase|signing|authorization|cookie|mfa|otp|api[_-]?key|private[_-]?key|credential|seal[_-]?key|session[_-]?key)/i;
/** `code`-like keys (`code`, `mfaCode`, `--mfa-code`): redacted when the value is a one-time code (4-10 digits). */
const CODE_KEY = /code$/i;
const ONE_TIME_CODE = /^\s*\d{4,10}\s*$/;

/** Whether a field of this name holding this value is a secret. */
export function isSecretField(key: string, value: unknown): boolean {
  if (value === null || value === undefined || value === '' || typeof value === 'boolean') return false;
  if (SECRET_KEY.test(key)) return true;
  return (
    CODE_KEY.test(key) && (typeof value === 'string' || typeof value === 'number') && ONE_TIME_CODE.test(String(value))
  );
}

const SHAPES: readonly [RegExp, string][] = [
  // Slack bot/user/app-level/config tokens.
  [/\bxox[abposre]-[A-Za-z0-9-]{6,}/g, REDACTED],
  [/\bxapp-[A-Za-z0-9-]{6,}/g, REDACTED],
  // HTTP credentials.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // user:password@ in URLs.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, `$1:${REDACTED}@`],
  // key=value, key: value and "key":"value" pairs whose key names a secret.
  [
    /\b([\w-]*(?:token|secret|passw(?:or)?d|passphrase|authorization|cookie|signing[\w-]*|api[_-]?key|mfa[_-]?code|otp))(["']?\s*[=:]\s*["']?)(?!\[redacted\])([^\s"',;&]+)/gi,
    `$1$2${REDACTED}`,
  ],
];

/**
 * An AWS secret access key: 40 characters of base64 standing alone, with upper and lower case letters (a git
 * commit or a SHA-1 is 40 lower-case hex characters, and stays).
 */
const AWS_SECRET = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

/** Secret-shaped text replaced, then every known secret value. */
export function redactText(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const [re, to] of SHAPES) out = out.replace(re, to);
  out = out.replace(AWS_SECRET, (m) => (/[A-Z]/.test(m) && /[a-z]/.test(m) ? REDACTED : m));
  for (const s of known) if (s.length >= 6) out = out.split(s).join(REDACTED);
  return out;
}

/**
 * A deep copy for a log line: secret fields replaced, every string redacted by shape, errors as
 * `{ name, message, code, stack }`. Cycles and depth past 8 are cut.
 */
export function redactValue(
  value: unknown,
  known: readonly string[] = [],
  key = '',
  depth = 0,
  seen = new Set<object>(),
): unknown {
  if (key && isSecretField(key, value)) return REDACTED;
  if (typeof value === 'string') return redactText(value, known);
  if (typeof value !== 'object' || value === null) return typeof value === 'bigint' ? String(value) : value;
  if (seen.has(value) || depth > 8) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; cause?: unknown };
    return {
      name: e.name,
      message: redactText(e.message, known),
      ...(e.code !== undefined ? { code: redactValue(e.code, known, 'errorCode', depth + 1, seen) } : {}),
      ...(e.stack ? { stack: redactText(e.stack, known) } : {}),
      ...(e.cause !== undefined ? { cause: redactValue(e.cause, known, 'cause', depth + 1, seen) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, known, key, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactValue(v, known, k, depth + 1, seen)]),
  );
}
