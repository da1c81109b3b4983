import { rolloutState } from '../../core/k8s/rollout-status';

/** Deployments as the API reports them at the points `kubectl rollout status` distinguishes. */
const deployment = (
  generation: number,
  spec: { replicas: number },
  status: Record<string, unknown>,
  conditions: { type: string; reason: string }[] = [],
) => ({
  metadata: { name: 'web', generation },
  spec,
  status: { conditions, ...status },
});

describe('rollout status, computed as kubectl does', () => {
  it.each([
    [
      deployment(2, { replicas: 2 }, { observedGeneration: 1 }),
      false,
      'Waiting for deployment spec update to be observed...',
    ],
    [
      deployment(2, { replicas: 3 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 2 }),
      false,
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    ],
    [
      deployment(2, { replicas: 2 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }),
      false,
      'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    ],
    [
      deployment(2, { replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }),
      false,
      'Waiting for deployment "web" rollout to finish: 1 of 2 updated replicas are available...',
    ],
    [
      deployment(2, { replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      true,
      'deployment "web" successfully rolled out',
    ],
    // A colour scaled to 0 after a rollout (kept for rollback) is rolled out, not waiting.
    [deployment(3, { replicas: 0 }, { observedGeneration: 3 }), true, 'deployment "web" successfully rolled out'],
  ])('GIVEN a Deployment THEN done=%#: the message kubectl prints', (d, done, message) => {
    expect(rolloutState('deployment', d)).toEqual({ done, failed: false, message });
  });

  it('GIVEN a Deployment past its progress deadline THEN failed: waiting longer will not help', () => {
    const d = deployment(1, { replicas: 2 }, { observedGeneration: 1, updatedReplicas: 1 }, [
      { type: 'Progressing', reason: 'ProgressDeadlineExceeded' },
    ]);
    expect(rolloutState('deployment', d)).toEqual({
      done: false,
      failed: true,
      message: 'deployment "web" exceeded its progress deadline',
    });
  });

  it('GIVEN StatefulSets and DaemonSets THEN their own kubectl wording', () => {
    const sts = (status: Record<string, unknown>, partition?: number) => ({
      metadata: { name: 'db', generation: 1 },
      spec: {
        replicas: 3,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: partition === undefined ? undefined : { partition } },
      },
      status: { observedGeneration: 1, ...status },
    });
    expect(rolloutState('statefulset', sts({ readyReplicas: 1 })).message).toBe('Waiting for 2 pods to be ready...');
    expect(rolloutState('statefulset', sts({ readyReplicas: 3, updatedReplicas: 1 }, 0))).toEqual({
      done: false,
      failed: false,
      message: 'Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...',
    });
    expect(rolloutState('statefulset', sts({ readyReplicas: 3, updatedReplicas: 3 }, 0)).done).toBe(true);
    expect(
      rolloutState(
        'statefulset',
        sts({ readyReplicas: 3, currentReplicas: 3, updateRevision: 'db-2', currentRevision: 'db-1' }),
      ),
    ).toMatchObject({
      done: false,
      message: 'waiting for statefulset rolling update to complete 0 pods at revision db-2...',
    });
    const onDelete = { metadata: { name: 'db' }, spec: { updateStrategy: { type: 'OnDelete' } } };
    expect(rolloutState('statefulset', onDelete)).toMatchObject({ failed: true });
    const ds = (status: Record<string, unknown>) => ({
      metadata: { name: 'agent', generation: 1 },
      spec: {},
      status: { observedGeneration: 1, desiredNumberScheduled: 3, ...status },
    });
    expect(rolloutState('daemonset', ds({ updatedNumberScheduled: 2 })).message).toBe(
      'Waiting for daemon set "agent" rollout to finish: 2 out of 3 new pods have been updated...',
    );
    expect(rolloutState('daemonset', ds({ updatedNumberScheduled: 3, numberAvailable: 2 })).message).toBe(
      'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...',
    );
    expect(rolloutState('daemonset', ds({ updatedNumberScheduled: 3, numberAvailable: 3 }))).toEqual({
      done: true,
      failed: false,
      message: 'daemon set "agent" successfully rolled out',
    });
  });
});
