import { activeFreezeAt, freezesReport, localClock, occurrenceOf } from '../../core/freezes';
import { validateConfig } from '../../core/config';

/** Recurring change freezes (issue 19.4): weekly windows and holidays in a time zone, pure on a given instant. */
describe('change freezes in a time zone', () => {
  const weekend = {
    kind: 'weekly' as const,
    from: 'Fri 16:00',
    to: 'Mon 08:00',
    timeZone: 'Europe/Berlin',
    reason: 'weekend freeze',
  };
  // 2026-12-04 is a Friday; Berlin is UTC+1 in December.
  const at = (isoUtc: string) => Date.parse(isoUtc);

  it('GIVEN Fri 16:00 → Mon 08:00 Europe/Berlin WHEN it is Friday 15:59 / 16:00, Sunday, Monday 07:59 / 08:00 in Berlin THEN only inside the window is frozen', () => {
    expect(activeFreezeAt([weekend], at('2026-12-04T14:59:00Z'))).toBeUndefined();
    expect(activeFreezeAt([weekend], at('2026-12-04T15:00:00Z'))).toEqual({
      from: '2026-12-04T15:00:00.000Z',
      to: '2026-12-07T07:00:00.000Z',
      reason: 'weekend freeze (every Fri 16:00 → Mon 08:00 Europe/Berlin)',
    });
    expect(activeFreezeAt([weekend], at('2026-12-06T12:34:56Z'))?.to).toBe('2026-12-07T07:00:00.000Z');
    expect(activeFreezeAt([weekend], at('2026-12-07T06:59:00Z'))).toBeDefined();
    expect(activeFreezeAt([weekend], at('2026-12-07T07:00:00Z'))).toBeUndefined();
    expect(activeFreezeAt([weekend], at('2026-12-09T12:00:00Z'))).toBeUndefined();
  });

  it('GIVEN each kind of freeze WHEN it is not in force THEN `freezes` names its next occurrence, or says it is over', () => {
    const wed = at('2026-12-09T12:00:00Z');
    // Next Friday 16:00 Berlin is 15:00 UTC on 2026-12-11, until Monday 08:00 Berlin.
    expect(occurrenceOf(weekend, wed)).toEqual({
      from: '2026-12-11T15:00:00.000Z',
      to: '2026-12-14T07:00:00.000Z',
      reason: 'weekend freeze (every Fri 16:00 → Mon 08:00 Europe/Berlin)',
      now: false,
    });
    const christmas = { kind: 'date' as const, date: '2026-12-25', timeZone: 'Pacific/Auckland', reason: 'Christmas' };
    expect(occurrenceOf(christmas, wed)).toMatchObject({
      from: '2026-12-24T11:00:00.000Z',
      to: '2026-12-25T11:00:00.000Z',
      now: false,
    });
    expect(occurrenceOf(christmas, at('2026-12-26T00:00:00Z'))).toBeUndefined();
    const yearEnd = { from: '2026-12-20T00:00:00Z', to: '2027-01-04T00:00:00Z', reason: 'year-end' };
    expect(occurrenceOf(yearEnd, wed)).toMatchObject({ from: yearEnd.from, to: yearEnd.to, now: false });
    expect(occurrenceOf(yearEnd, at('2027-01-04T00:00:00Z'))).toBeUndefined();

    const report = freezesReport('prd', [yearEnd, weekend, christmas], at('2026-12-21T12:00:00Z'));
    expect(report.active).toEqual({ from: yearEnd.from, to: yearEnd.to, reason: 'year-end' });
    expect(report.freezes.map((f) => [f.description, f.occurrence?.now])).toEqual([
      ['2026-12-20T00:00:00Z → 2027-01-04T00:00:00Z: year-end', true],
      ['every Fri 16:00 → Mon 08:00 Europe/Berlin: weekend freeze', false],
      ['2026-12-25, the whole day in Pacific/Auckland: Christmas', false],
    ]);
  });

  it('GIVEN a holiday in Pacific/Auckland WHEN it is that day there but still the day before in UTC THEN it is frozen until midnight there', () => {
    const holiday = { kind: 'date' as const, date: '2026-12-25', timeZone: 'Pacific/Auckland', reason: 'Christmas' };
    // Auckland is UTC+13 in December: 2026-12-25 00:00 there is 2026-12-24 11:00 UTC.
    expect(activeFreezeAt([holiday], at('2026-12-24T10:59:00Z'))).toBeUndefined();
    expect(activeFreezeAt([holiday], at('2026-12-24T11:00:00Z'))).toEqual({
      from: '2026-12-24T11:00:00.000Z',
      to: '2026-12-25T11:00:00.000Z',
      reason: 'Christmas (2026-12-25 Pacific/Auckland)',
    });
    expect(activeFreezeAt([holiday], at('2026-12-25T11:00:00Z'))).toBeUndefined();
    expect(localClock(at('2026-12-24T11:00:00Z'), 'Pacific/Auckland').date).toBe('2026-12-25');
  });

  it('GIVEN a fixed window WHEN inside and outside THEN it is unchanged from before', () => {
    const fixed = { from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z', reason: 'release' };
    expect(activeFreezeAt([fixed], at('2026-12-01T12:00:00Z'))).toEqual(fixed);
    expect(activeFreezeAt([fixed], at('2026-12-02T00:00:00Z'))).toBeUndefined();
  });

  describe('config', () => {
    const withFreezes = (changeFreezes: unknown[]) =>
      validateConfig({
        temporal: { address: '127.0.0.1:7233' },
        audit: { path: '/tmp/audit.jsonl' },
        users: { alice: { groups: ['platform'] } },
        stacks: {},
        environments: {
          dev: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
          tst: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
          prd: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] }, changeFreezes },
        },
      });

    it('GIVEN a weekly window and a holiday THEN both are read with their time zone', () => {
      const r = withFreezes([
        { every: 'week', from: 'Fri 16:00', to: 'Mon 08:00', timeZone: 'Europe/Berlin', reason: 'weekend' },
        { date: '2026-12-25', timeZone: 'UTC' },
      ]);
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      expect(r.config.environments.prd.changeFreezes).toEqual([
        { kind: 'weekly', from: 'Fri 16:00', to: 'Mon 08:00', timeZone: 'Europe/Berlin', reason: 'weekend' },
        { kind: 'date', date: '2026-12-25', timeZone: 'UTC', reason: 'change freeze' },
      ]);
    });

    it('GIVEN an unknown zone, a bad weekday and a bad recurrence THEN each is named with what to write', () => {
      const r = withFreezes([
        { every: 'week', from: 'Fri 16:00', to: 'Mon 08:00', timeZone: 'Mars/Olympus' },
        { every: 'week', from: 'Friday 4pm', to: 'Mon 08:00', timeZone: 'UTC' },
        { every: 'day', from: 'Fri 16:00', to: 'Mon 08:00', timeZone: 'UTC' },
      ]);
      expect(r.ok).toBe(false);
      const text = r.ok ? '' : r.issues.map((i) => `${i.path}: ${i.problem}`).join('\n');
      expect(text).toContain("environments.prd.changeFreezes[0].timeZone: 'Mars/Olympus' is not a time zone");
      expect(text).toContain(
        "environments.prd.changeFreezes[1].from: 'Friday 4pm' is not valid; a weekday and time, e.g. Fri 16:00",
      );
      expect(text).toContain("environments.prd.changeFreezes[2].every: 'day' is not a recurrence; use week");
    });
  });
});
