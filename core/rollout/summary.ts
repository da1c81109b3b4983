import { formatDuration } from '../duration';
import type { OperationState, RolloutProgress } from '../operations';
import type { AnalysisSpec } from './types';

/** One analysis provider and its threshold, in words. */
export function analysisText(a: AnalysisSpec): string {
  switch (a.provider) {
    case 'pods':
      return `pods Ready, restarts ≤ ${a.maxRestarts}`;
    case 'cloudwatch':
      return `CloudWatch ${a.namespace} ${a.metricName} ${a.statistic} ≤ ${a.max}`;
    case 'http':
      return `HTTP probe ${a.url} (${a.samples} samples, ≥ ${Math.round(a.minSuccessRate * 100)}% 2xx)`;
  }
}

/**
 * A rollout's plan and progress as plain lines, shared by the terminal and Slack: what goes where, how
 * traffic moves, what judges it, and where it is now.
 */
export function rolloutLines(s: OperationState): string[] {
  const r: RolloutProgress | undefined = s.rollout;
  if (!r) return [];
  const lines: string[] = [];
  if (s.kind === 'rollback') {
    lines.push(`Rollback of ${r.service} in ${r.namespace}: all traffic ${r.fromColour} → ${r.toColour}`);
    if (r.image) lines.push(`${r.toColour} runs ${r.image} (kept from the last rollout; scaled up first)`);
    if (r.previousImage) lines.push(`${r.fromColour} runs ${r.previousImage} (scaled to 0 afterwards)`);
  } else {
    lines.push(
      `Rollout of ${r.service} ${r.version ?? ''} in ${r.namespace}: new colour ${r.toColour}`.replace(/  +/g, ' '),
    );
    if (r.image) lines.push(`${r.toColour} ← ${r.image}`);
    // The digest is what the approval names and what is deployed; a tag moved since fails closed (docs/delivery.md).
    if (r.digest)
      lines.push(`Artifact: ${r.version ?? 'latest'} = ${r.digest} (immutable: checked again before writing)`);
    if (r.artifactNote) lines.push(`Artifact: ${r.artifactNote}`);
    lines.push(
      `${r.fromColour} runs ${r.previousImage ?? 'nothing yet (first rollout)'}; it keeps serving until traffic moves`,
    );
    const via = r.traffic === 'alb' ? 'ALB weighted target groups' : 'Istio VirtualService weights';
    const timing = r.policy
      ? ` · ${formatDuration(r.policy.stepSeconds)} analysis per step · bake ${formatDuration(r.policy.bakeSeconds)}`
      : '';
    lines.push(`Traffic: ${via} · steps ${r.steps.map((p) => `${p}%`).join(' → ')}${timing}`);
    if (r.policy) lines.push(`Analysis: ${r.policy.analysis.map(analysisText).join('; ')}`);
    if (r.securityGate) {
      lines.push(`Security gate: ${r.securityGate.summary}`);
      // Trivy's verdict on the card: the rule, and the worst findings (id, severity, package installed → fixed).
      if (r.securityGate.rule) lines.push(`  rule: ${r.securityGate.rule}`);
      for (const w of r.securityGate.worst ?? []) lines.push(`  • ${w}`);
      for (const w of r.securityGate.waived ?? []) lines.push(`  waived: ${w}`);
      for (const w of r.securityGate.waiversNotApplied ?? []) lines.push(`  not applied: ${w}`);
    }
  }
  lines.push(
    `Now: blue ${r.weights.blue}% / green ${r.weights.green}%` +
      (r.stepIndex >= 0 && s.kind === 'rollout' ? ` (step ${r.stepIndex + 1} of ${r.steps.length})` : '') +
      (r.paused ? ` · PAUSED by ${r.pausedBy ?? '?'}` : ''),
  );
  for (const a of r.analyses) {
    const where = a.stage === 'ready' ? 'before traffic' : a.stage === 'bake' ? 'bake' : `at ${a.percent}%`;
    lines.push(
      // `?`: no verdict (a provider could not measure), which is not a failure.
      `${a.inconclusive ? '?' : a.passed ? '✓' : '✗'} ${where}: ${a.measurements.map((m) => `${m.provider}: ${m.detail}`).join('; ')}`,
    );
  }
  if (r.attention) lines.push(`⚠ needs attention: ${r.attention}`);
  if (r.overdueSince) lines.push(`⚠ overdue since ${r.overdueSince} (time budget exceeded)`);
  return lines;
}
