import { checkOwnChain } from '../../activities/k8s/helm-write';
import type { HelmRevision } from '../../adapters/k8s/helm';

/** `revision status description` lines as helm history rows. */
const history = (...rows: string[]): HelmRevision[] =>
  rows.map((r) => {
    const [revision = '0', status = '', ...description] = r.split(' ');
    return { revision: Number(revision), status, description: description.join(' '), updated: '', chart: 'web-1' };
  });
const moved = (h: HelmRevision[], own?: number): string | undefined => {
  try {
    checkOwnChain('web', h, 3, own);
    return undefined;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
};

/** Which revisions after the approved one (3) an upgrade's retry may take as its own (no cluster). */
describe('an upgrade approved at revision 3: own interrupted attempts versus someone else', () => {
  it('GIVEN the release still at 3 THEN it goes ahead', () => {
    expect(moved(history('3 deployed Upgrade complete'))).toBeUndefined();
  });

  it('GIVEN our attempt left 4 pending (or failed) THEN it goes ahead; someone else’s pending 4 is a move', () => {
    expect(moved(history('3 deployed x', '4 pending-upgrade Preparing upgrade'), 4)).toBeUndefined();
    expect(moved(history('3 deployed x', '4 failed Release "web" failed'), 4)).toBeUndefined();
    expect(moved(history('3 deployed x', '4 pending-upgrade Preparing upgrade'))).toBe(
      "OperationConflict: release: 'web' is at revision 4, not 3 as approved; someone changed it. Review and ask again.",
    );
  });

  it('GIVEN our attempt 4 rolled back by us (5 = Rollback to 3), maybe retried again (6 pending) THEN it goes ahead', () => {
    expect(
      moved(history('3 superseded x', '4 superseded Preparing upgrade', '5 deployed Rollback to 3')),
    ).toBeUndefined();
    expect(
      moved(
        history(
          '3 superseded x',
          '4 superseded Preparing upgrade',
          '5 superseded Rollback to 3',
          '6 pending-upgrade P',
        ),
        6,
      ),
    ).toBeUndefined();
  });

  it('GIVEN anything else after 3 (a finished upgrade, a rollback elsewhere, a release reinstalled lower) THEN it is a move', () => {
    expect(moved(history('3 superseded x', '4 deployed Upgrade complete'))).toMatch(/is at revision 4, not 3/);
    expect(moved(history('3 superseded x', '4 superseded P', '5 deployed Rollback to 2'))).toMatch(/at revision 5/);
    expect(moved(history('3 superseded x', '4 superseded P', '5 superseded Rollback to 3', '6 deployed x'))).toMatch(
      /at revision 6/,
    );
    expect(moved(history('1 deployed Install complete'))).toMatch(/is at revision 1, not 3/);
  });
});
