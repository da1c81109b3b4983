import type { AlertRecord, Finding } from '../../core/alerts/alert';
import { changedLines, decideAlert, nextRecord, snoozeUntil } from '../../core/alerts/alert';

const t0 = new Date('2026-12-05T10:00:00.000Z');
const finding = (fingerprint: string | undefined, lines: string[] = ['  + /SecurityGroupIngress/1: 22']): Finding => ({
  key: 'drift/dev/app',
  check: 'drift',
  environment: 'dev',
  subject: 'app',
  ...(fingerprint ? { fingerprint } : {}),
  headline: fingerprint ? '[dev] app in dev: DRIFTED' : '[dev] app in dev: in sync',
  lines,
  checkedAt: t0.toISOString(),
});
const posted = (): AlertRecord => ({
  ...nextRecord(undefined, finding('aaa'), { kind: 'post', why: 'new' }, 'C0ONCALL1', '1.0001', t0),
});
const snoozed = (r: AlertRecord, f: '1h' | '1d' | 'until-changed', now = t0): AlertRecord => ({
  ...r,
  status: 'snoozed',
  snoozed: {
    by: 'alice',
    reason: 'CHG-1',
    at: now.toISOString(),
    fingerprint: r.fingerprint ?? '',
    for: f,
    ...(snoozeUntil(f, now) ? { until: snoozeUntil(f, now) } : {}),
  },
});
const later = (ms: number) => new Date(t0.getTime() + ms);

describe('the alert rule (core/alerts)', () => {
  test('new drift posts; the same drift id never posts again; a clean check with nothing open does nothing', () => {
    expect(decideAlert(undefined, finding(undefined), t0)).toEqual({
      kind: 'none',
      why: 'clean, and no alert is open',
    });
    expect(decideAlert(undefined, finding('aaa'), t0)).toEqual({ kind: 'post', why: 'new finding' });
    expect(decideAlert(posted(), finding('aaa'), t0)).toMatchObject({ kind: 'none' });
  });

  test('a changed drift updates, saying which lines are new and which are gone; clean resolves; drift after that posts anew', () => {
    const next = finding('bbb', ['  + /SecurityGroupIngress/2: 443']);
    expect(decideAlert(posted(), next, t0)).toEqual({
      kind: 'update',
      added: ['+ /SecurityGroupIngress/2: 443'],
      removed: ['+ /SecurityGroupIngress/1: 22'],
    });
    expect(decideAlert(posted(), finding(undefined), t0)).toEqual({ kind: 'resolve' });
    const resolved = nextRecord(posted(), finding(undefined), { kind: 'resolve' }, 'C0ONCALL1', undefined, t0);
    expect(resolved).toMatchObject({ status: 'resolved', ts: '1.0001' });
    expect(resolved.fingerprint).toBeUndefined();
    expect(decideAlert(resolved, finding('aaa'), t0)).toEqual({
      kind: 'post',
      why: 'found again after it was resolved',
    });
  });

  test('a 1h snooze keeps even a changed drift quiet until it ends, then posts again (with what is there now)', () => {
    const s = snoozed(posted(), '1h');
    expect(decideAlert(s, finding('aaa'), later(59 * 60_000))).toMatchObject({ kind: 'none' });
    const changed = finding('ccc', ['x']);
    const quiet = decideAlert(s, changed, later(30 * 60_000));
    expect(quiet).toMatchObject({ kind: 'none' });
    const remembered = nextRecord(s, changed, quiet, 'C0ONCALL1', undefined, later(30 * 60_000));
    expect(remembered).toMatchObject({ status: 'snoozed', fingerprint: 'ccc', lines: ['x'] });
    expect(decideAlert(remembered, changed, later(61 * 60_000))).toEqual({
      kind: 'post',
      why: 'the snooze (1h) ended and it is still there',
    });
  });

  test('until-changed stays quiet for the same drift id forever and updates (and unsnoozes) on a new one', () => {
    const s = snoozed(posted(), 'until-changed');
    expect(decideAlert(s, finding('aaa'), later(30 * 86_400_000))).toEqual({
      kind: 'none',
      why: 'snoozed until it changes',
    });
    const action = decideAlert(s, finding('ddd'), t0);
    expect(action.kind).toBe('update');
    expect(nextRecord(s, finding('ddd'), action, 'C0ONCALL1', undefined, t0)).toMatchObject({ status: 'open' });
  });

  test('what changed ignores the drift id and check time lines', () => {
    expect(changedLines(['  a', '  drift id 1 · checked x'], ['  a', '  drift id 2 · checked y'])).toEqual({
      added: [],
      removed: [],
    });
  });
});
