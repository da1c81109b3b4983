/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- these tests read untyped YAML documents */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/tools';

const VALUES = join(REPO_ROOT, 'infra', 'helm', 'values');
const values = (chart: string, file = 'values.yaml'): Record<string, any> => parse(readFileSync(join(VALUES, chart, file), 'utf8'));

describe('Helm values', () => {
  it('GIVEN the seed release list WHEN the values folders are listed THEN every release has a values.yaml that parses as a map', () => {
    const charts = readdirSync(VALUES).sort();
    expect(charts).toEqual(
      ['cluster-autoscaler', 'grafana', 'headlamp', 'istio-base', 'istio-gateway', 'istiod', 'kubecost', 'loki', 'metrics-server', 'mimir', 'tempo', 'trivy-operator', 'velero'],
    );
    for (const chart of charts) expect(typeof values(chart)).toBe('object');
  });

  it('GIVEN headlamp WHEN read THEN it has the seed replicas, image, resources and an internal ALB', () => {
    const v = values('headlamp');
    expect(v.replicaCount).toBe(2);
    expect(v.image).toEqual({ repository: 'ghcr.io/headlamp-k8s/headlamp', tag: 'v0.26.0' });
    expect(v.resources).toEqual({ limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect(v.ingress.className).toBe('alb');
    expect(v.ingress.annotations['alb.ingress.kubernetes.io/scheme']).toBe('internal');
  });

  it('GIVEN every ingress WHEN read THEN no ALB is internet-facing', () => {
    for (const chart of ['headlamp', 'grafana', 'kubecost']) {
      expect({ chart, scheme: values(chart).ingress.annotations['alb.ingress.kubernetes.io/scheme'] }).toEqual({ chart, scheme: 'internal' });
    }
    expect(values('istio-gateway').service.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe('internal');
  });

  it('GIVEN trivy-operator WHEN read THEN all scanners are on, severities are CRITICAL,HIGH,MEDIUM and it scans every 6 hours', () => {
    const v = values('trivy-operator');
    expect(v.operator).toEqual({ vulnerabilityScannerEnabled: true, configAuditScannerEnabled: true, rbacAssessmentScannerEnabled: true });
    expect(v.trivy).toEqual({ severity: 'CRITICAL,HIGH,MEDIUM', ignoreUnfixed: true });
    expect(v.compliance.cron).toBe('0 */6 * * *');
  });

  it('GIVEN velero WHEN read THEN the daily 01:00 backup keeps 30 days, and PRD backs up to us-west-2', () => {
    const v = values('velero');
    expect(v.schedules['daily-backup']).toEqual({ schedule: '0 1 * * *', template: { ttl: '720h', includedNamespaces: ['*'] } });
    expect(v.configuration.backupStorageLocation[0]).toMatchObject({ provider: 'aws', bucket: 'infra-agent-dev-velero-backups', config: { region: 'us-east-1' } });
    expect(values('velero', 'values-prd.yaml').configuration.backupStorageLocation[0].config.region).toBe('us-west-2');
  });

  it('GIVEN the scaled services WHEN read THEN they run with the replicas and resources set', () => {
    expect(values('grafana').replicas).toBe(2);
    expect(values('metrics-server').replicas).toBe(2);
    expect(values('istiod').pilot).toMatchObject({ replicaCount: 2, autoscaleMin: 2 });
    expect(values('istio-gateway').autoscaling).toMatchObject({ minReplicas: 2, maxReplicas: 5 });
    expect(values('mimir').ingester.replicas).toBe(3);
    expect(values('loki')).toMatchObject({ backend: { replicas: 2 }, read: { replicas: 2 }, write: { replicas: 3 } });
    expect(values('cluster-autoscaler').autoDiscovery.clusterName).toBe('infra-agent-dev-cluster');
    for (const chart of ['grafana', 'metrics-server', 'cluster-autoscaler', 'trivy-operator', 'velero', 'headlamp']) {
      expect({ chart, requests: Object.keys(values(chart).resources.requests).sort() }).toEqual({ chart, requests: ['cpu', 'memory'] });
    }
  });

  it('GIVEN the log and trace stores WHEN read THEN retention is set (Loki 30 days, Tempo 7 days)', () => {
    expect(values('loki').loki.limits_config.retention_period).toBe('720h');
    expect(values('tempo').tempo.retention).toBe('168h');
  });
});
