import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRunCommand } from '../../adapters/cli/run-command';
import { helmTemplate } from '../../adapters/k8s/helm';
import {
  helmGetManifestArgv,
  helmInstallArgv,
  helmListMarkedArgv,
  helmUninstallArgv,
} from '../../adapters/k8s/helm-argv';
import { MAX_FIELDS, diffManifests, splitHooks } from '../../core/k8s/manifest-diff';
import type { ManifestObject } from '../../core/k8s/manifest-diff';
import type { OperationState } from '../../core/operations';
import { buildOperationMessage } from '../../presentation/slack/operation-message';
import { renderKubeRead, renderPreview } from '../../presentation/text/render';
import { toolPath } from '../../sandbox/paths';
import { diffAsChanges, hookLines } from '../../workflows/helm-release';
import { blockKitViolations } from '../support/fake-slack/block-kit';
import { testConfig } from '../support/sandbox';

const HELM = toolPath('helm');
const target = { kubeconfig: '/nonexistent/kubeconfig', context: 'sandbox' };
const options = { wait: true, atomic: false, createNamespace: false, previous: false, timeoutSeconds: 60 };

/** What a chart renders locally (helm template needs no cluster). */
const template = async (chart: string): Promise<ManifestObject[]> => {
  if (!existsSync(HELM)) throw new Error(`helm missing at ${HELM}: run bash sandbox/bootstrap.sh helm`);
  const props = { run: createRunCommand(), bin: HELM };
  return helmTemplate(props, target, 'shop', 'web', { chart: join(__dirname, '..', 'fixtures', 'charts', chart) });
};

describe('helm previews: hooks apart, field-level changes bounded (no cluster)', () => {
  it('GIVEN a chart with a test hook and a pre-install hook WHEN installing THEN only the Deployment is a change, the pre-install hook is listed apart and the test hook not at all', async () => {
    const rendered = await template('hooked');
    expect(rendered).toHaveLength(3); // helm template renders hooks, test hooks included
    const diff = diffManifests([], rendered, 'shop');
    expect(diff.changes).toEqual([{ resource: 'Deployment/shop/web-hooked', change: 'added', fields: [] }]);
    expect(diff.hooks).toEqual([{ resource: 'ConfigMap/shop/web-prepare', events: ['pre-install', 'pre-upgrade'] }]);
    expect(hookLines(diff.hooks)).toEqual(['pre-install,pre-upgrade ConfigMap shop/web-prepare']);
  });

  it('GIVEN that chart not installed WHEN `helm diff` shows it THEN one object would be added and the hook is listed apart', async () => {
    const diff = diffManifests([], await template('hooked'), 'shop');
    // The helm-diff answer does not depend on the command's own fields.
    const command = { name: 'helm-diff', release: 'web' } as unknown as Parameters<typeof renderKubeRead>[0];
    const shown = renderKubeRead(command, {
      environment: 'dev',
      namespace: 'shop',
      result: { kind: 'helm-diff', release: 'web', revision: 0, ...diff },
    });
    expect(shown.body.split('\n')).toEqual([
      '+ Deployment/shop/web-hooked',
      'hooks that run (not counted):',
      '  pre-install,pre-upgrade ConfigMap/shop/web-prepare',
    ]);
  });

  it('GIVEN a release deployed from that chart (helm get manifest lists no hooks) WHEN diffed again THEN nothing changes', async () => {
    const rendered = await template('hooked');
    const deployed = splitHooks(rendered, 'shop').objects;
    const diff = diffManifests(deployed, rendered, 'shop');
    expect(diff.changes).toEqual([]);
    expect(diff.unchanged).toBe(1);
  });

  it('GIVEN an object with more changed fields than a card holds WHEN diffed THEN the first ones are named and the rest counted', () => {
    const cm = (n: number): ManifestObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data: Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`k${String(i).padStart(2, '0')}`, `${n}`])),
    });
    const diff = diffManifests([cm(1)], [cm(2)], 'shop');
    expect(diff.changes[0]?.fields).toHaveLength(MAX_FIELDS);
    expect(diff.changes[0]?.omittedFields).toBe(13 - MAX_FIELDS);
    const [row] = diffAsChanges(diff.changes);
    expect(row?.scope?.[0]).toBe('data.k00: "1" → "2"');
    expect(row?.scope?.at(-1)).toBe('… and 3 more changed field(s)');
  });

  const upgradeState = (): OperationState => ({
    operationId: 'helm/dev/web',
    kind: 'helm-release',
    environment: 'dev',
    target: 'shop-dev/web',
    requester: { userId: 'alice', displayName: 'Alice', via: 'cli', requestId: 'r-1' },
    startedAt: new Date().toISOString(),
    phase: 'awaiting-approval',
    findings: [],
    approvalsRequired: 1,
    approvals: [],
    events: [],
    preview: {
      artifactId: 'web@2#0192f3a4-aaaa-7bbb-8ccc-0123456789ab',
      stackName: 'shop-dev/web',
      changes: diffAsChanges([
        {
          resource: 'Deployment/shop-dev/web-hooked',
          change: 'changed',
          fields: [{ path: 'spec.replicas', before: '2', after: '3' }],
        },
      ]),
      hooks: ['pre-install,pre-upgrade ConfigMap shop-dev/web-prepare'],
    },
  });

  it('GIVEN a helm upgrade awaiting approval WHEN shown in the terminal THEN the field change and the hooks are under the resource line', () => {
    const text = renderPreview(upgradeState());
    expect(text).toContain('~ shop-dev/web-hooked Deployment\n      spec.replicas: 2 → 3');
    expect(text).toContain('0 to add, 1 to modify, 0 to remove');
    expect(text).toContain(
      'hooks that run (not counted as changes):\n    pre-install,pre-upgrade ConfigMap shop-dev/web-prepare',
    );
  });

  it('GIVEN a helm upgrade awaiting approval WHEN shown in Slack THEN the approval card carries the field-level diff and the hooks', () => {
    const config = testConfig();
    const m = buildOperationMessage(upgradeState(), { env: config.environments.dev, mention: (u) => u });
    expect(blockKitViolations(m.blocks)).toEqual([]);
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('*Field changes*');
    expect(text).toContain('spec.replicas: 2 → 3');
    expect(text).toContain('*Hooks that run* (not counted as changes)');
    expect(text).toContain('"action_id":"operation_approve"');
  });

  it('GIVEN the new helm calls THEN their argv are exact (label selector, revision, uninstall)', () => {
    expect(helmListMarkedArgv(target, 'shop', 'web', 'ia-1')).toEqual([
      'list',
      '--namespace',
      'shop',
      '--filter',
      '^web$',
      '--all',
      '--selector',
      'infra-agent.io/write=ia-1',
      '--output',
      'json',
      '--kubeconfig',
      '/nonexistent/kubeconfig',
      '--kube-context',
      'sandbox',
    ]);
    expect(helmGetManifestArgv(target, 'shop', 'web', 3).slice(0, 5)).toEqual([
      'get',
      'manifest',
      'web',
      '--revision',
      '3',
    ]);
    expect(helmUninstallArgv(target, 'shop', 'web', options).slice(0, 7)).toEqual([
      'uninstall',
      'web',
      '--namespace',
      'shop',
      '--wait',
      '--timeout',
      '60s',
    ]);
    const install = helmInstallArgv(target, 'shop', 'web', { chart: '/c' }, options, 'ia-1');
    expect(install.slice(install.indexOf('--description'), install.indexOf('--output'))).toEqual([
      '--description',
      'infra-agent ia-1',
      '--labels',
      'infra-agent.io/write=ia-1',
    ]);
  });
});
