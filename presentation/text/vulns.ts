import type { ConfigAuditView, ServiceVulnsReport, VulnReportView } from '../../core/security/cluster-reports';
import { countsText, emptyCounts, SEVERITIES } from '../../core/security/findings';
import type { Finding, Severity } from '../../core/security/findings';

/**
 * `vulns {service} {env}` for people: a headline with the worst of the current reports, then per workload and
 * container the image, scanner and counts with the worst CVEs (installed → fixed, link), the failed config-audit
 * checks, and the stale reports (images no longer run) said so.
 */
export function renderVulns(r: ServiceVulnsReport): { headline: string; body: string; clean: boolean } {
  const where = `${r.service} in ${r.namespace} (cluster ${r.cluster})`;
  if (r.operator === 'not-installed')
    return {
      headline: `[${r.environment}] Trivy Operator is not installed in ${r.cluster}: it serves no VulnerabilityReports or ConfigAuditReports`,
      body: 'Install the trivy-operator chart there (values: infra/helm/values/trivy-operator) to get reports; meanwhile `scan <service> <version>` scans an image on demand.',
      clean: false,
    };
  if (r.workloads.length === 0)
    return {
      headline: `[${r.environment}] ${where}: no Deployment of ${r.service} there, so no reports to show`,
      body: staleLines(r).join('\n'),
      clean: false,
    };
  const reports = r.workloads.flatMap((w) => w.containers.flatMap((c) => (c.report ? [c.report] : [])));
  const containers = r.workloads.reduce((n, w) => n + w.containers.length, 0);
  const audits = r.workloads.flatMap((w) => (w.configAudit ? [w.configAudit] : []));
  if (reports.length === 0 && audits.length === 0 && r.stale.length === 0)
    return {
      headline: `[${r.environment}] ${where}: no Trivy reports yet`,
      body: 'The operator writes a report shortly after a workload starts (a scan job per image); ask again in a few minutes, or `scan <service> <version>` now.',
      clean: false,
    };
  const counts = emptyCounts();
  for (const rep of reports) for (const s of SEVERITIES) counts[s] += rep.counts[s];
  const failed = audits.reduce((n, a) => n + a.failedTotal, 0);
  const parts = [
    `${countsText(counts)} in ${reports.length} of ${containers} container${containers === 1 ? '' : 's'} reported`,
    `config audit: ${audits.length ? `${failed} failed check${failed === 1 ? '' : 's'}` : 'no report'}`,
    ...(r.stale.length ? [`${r.stale.length} stale report${r.stale.length === 1 ? '' : 's'}`] : []),
  ];
  const lines: string[] = [];
  for (const w of r.workloads) {
    lines.push(`${w.workload} (${w.replicas} replica${w.replicas === 1 ? '' : 's'})`);
    for (const c of w.containers) {
      if (!c.report) {
        lines.push(`  container ${c.container}: ${c.image} — ${c.missing ?? 'no report yet'}`);
        continue;
      }
      lines.push(...reportLines(c.report));
    }
    lines.push(...(w.configAudit ? auditLines(w.configAudit) : ['  config audit: no report yet']));
  }
  lines.push(...staleLines(r));
  const clean =
    reports.length === containers &&
    counts.CRITICAL + counts.HIGH + counts.MEDIUM + counts.LOW + counts.UNKNOWN === 0 &&
    failed === 0;
  return { headline: `[${r.environment}] ${where}: ${parts.join('; ')}`, body: lines.join('\n'), clean };
}

function reportLines(rep: VulnReportView): string[] {
  const about = [rep.digest ? rep.digest.slice(0, 19) : undefined, rep.os].filter(Boolean).join(', ');
  const out = [
    `  container ${rep.container}: ${rep.image.replace(/@sha256:[0-9a-f]+$/, '')}${about ? ` (${about})` : ''}`,
    `    ${rep.scanner}, report ${rep.updatedAt ?? 'undated'} (${rep.resource}): ${countsText(rep.counts)}${rep.total ? `, ${rep.fixable} with a fix` : ''}`,
    ...rep.top.map((f) => `    ${findingText(f)}`),
  ];
  if (rep.total > rep.top.length) out.push(`    … and ${rep.total - rep.top.length} more in ${rep.name}`);
  return out;
}

function findingText(f: Finding): string {
  return `${f.severity.padEnd(8)} ${f.id}  ${f.pkg ?? '?'} ${f.installed ?? '?'} → ${f.fixed ?? 'no fix yet'}  ${f.title}${f.url ? `  ${f.url}` : ''}`;
}

function auditLines(a: ConfigAuditView): string[] {
  const failed = failedCounts(a.counts);
  const out = [
    `  config audit (${a.resource}${a.earlierRevision ? ', an earlier revision: none yet for the current one' : ''}): ` +
      `${a.failedTotal ? `${a.failedTotal} failed (${failed})` : 'no failed checks'}, ${a.passed} passed`,
    ...a.failed.map(
      (c) => `    ${c.severity.padEnd(8)} ${c.checkID}  ${c.title}${c.messages[0] ? `: ${c.messages[0]}` : ''}`,
    ),
  ];
  if (a.failedTotal > a.failed.length) out.push(`    … and ${a.failedTotal - a.failed.length} more in ${a.name}`);
  return out;
}

const failedCounts = (c: Readonly<Record<Severity, number>>): string => countsText(c).replace('no findings', 'none');

function staleLines(r: ServiceVulnsReport): string[] {
  if (r.stale.length === 0) return [];
  return [
    'stale reports (for images the workloads no longer run; not counted above):',
    ...r.stale.map(
      (s) =>
        `  ${s.name}: ${s.reportImage} — ${s.workload}/${s.container} ${s.runningImage ? `now runs ${s.runningImage}` : 'has no such container now'}` +
        ` (${countsText(s.counts)}${s.updatedAt ? `, report ${s.updatedAt}` : ''})`,
    ),
  ];
}
