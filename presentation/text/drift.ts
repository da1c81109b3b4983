import type { KubernetesDriftReport } from '../../core/drift/kubernetes';
import { isKubernetesDrift } from '../../core/drift/kubernetes';
import type {
  EnvironmentDriftReport,
  PropertyDifference,
  ResourceDrift,
  StackDriftReport,
} from '../../core/drift/report';

/** A drift report in words, shared by the terminal and Slack (which shows `body` preformatted). */
export interface DriftText {
  readonly headline: string;
  readonly body: string;
  /** True when nothing drifted (the terminal's exit code). */
  readonly clean: boolean;
}

const MAX_VALUE = 240;
const cut = (s: string): string => (s.length <= MAX_VALUE ? s : `${s.slice(0, MAX_VALUE - 1)}…`);
const shown = (v: string): string => (v === 'null' ? '(none)' : cut(v));
const MARK: Readonly<Record<PropertyDifference['type'], string>> = { ADD: '+', REMOVE: '-', NOT_EQUAL: '~' };
const WORD: Readonly<Record<PropertyDifference['type'], string>> = {
  ADD: 'added outside the template',
  REMOVE: 'removed',
  NOT_EQUAL: 'changed',
};

function difference(d: PropertyDifference): string {
  return `    ${MARK[d.type]} ${d.path}: ${shown(d.expected)} → ${shown(d.actual)}  (${WORD[d.type]})`;
}

function resourceLines(
  r: ResourceDrift,
  deleted = 'deleted outside infra-agent; the template still declares it',
): string[] {
  const head = `  ${r.logicalId} ${r.resourceType}${r.physicalId ? ` ${r.physicalId}` : ''}: ${r.status}`;
  if (r.status === 'DELETED') return [`${head} — ${r.reason ?? deleted}`];
  return [head, ...r.differences.map(difference)];
}

/** Per resource: the property path and expected → actual; then what was ignored and why, and what was not checked. */
export function stackDriftBody(report: StackDriftReport): string {
  const drifted = report.resources.filter((r) => r.status === 'MODIFIED' || r.status === 'DELETED');
  const ignored = report.resources.flatMap((r) => r.ignored.map((i) => ({ r, i })));
  const notChecked = report.resources.filter((r) => r.status === 'NOT_CHECKED');
  return [
    ...drifted.flatMap((r) => resourceLines(r)),
    ...(ignored.length
      ? [
          `  ignored (${ignored.length}, config drift.ignore):`,
          ...ignored.map(
            ({ r, i }) =>
              `    ${r.logicalId} ${i.path}: ${shown(i.expected)} → ${shown(i.actual)} — ${i.rule}: ${i.reason}`,
          ),
        ]
      : []),
    ...(notChecked.length
      ? [
          `  not checked (${notChecked.length}):`,
          ...notChecked.map((r) => `    ${r.logicalId} ${r.resourceType}: ${r.reason ?? 'no reason given'}`),
        ]
      : []),
    drifted.length
      ? `  who changed it: ${report.attribution.available ? report.attribution.events.map((e) => `${e.who} ${e.action} at ${e.at}`).join('; ') : report.attribution.reason}`
      : '',
    drifted.length ? `  drift id ${report.fingerprint} · checked ${report.checkedAt}` : `  checked ${report.checkedAt}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** A service's or release's report: per object the field path, expected (recorded/catalog) → actual (live). */
export function kubernetesDriftBody(report: KubernetesDriftReport): string {
  const drifted = report.resources.filter((r) => r.status === 'MODIFIED' || r.status === 'DELETED');
  const notChecked = report.resources.filter((r) => r.status === 'NOT_CHECKED');
  return [
    ...drifted.flatMap((r) => resourceLines(r, 'gone')),
    ...(notChecked.length
      ? [
          `  not checked (${notChecked.length}):`,
          ...notChecked.map((r) => `    ${r.logicalId} ${r.resourceType}: ${r.reason ?? 'no reason given'}`),
        ]
      : []),
    report.expectedFrom ? `  expected: ${report.expectedFrom}` : '',
    drifted.length
      ? `  who changed it: ${report.attribution.available ? report.attribution.events.map((e) => `${e.who} ${e.action} at ${e.at}`).join('; ') : report.attribution.reason}`
      : '',
    drifted.length ? `  drift id ${report.fingerprint} · checked ${report.checkedAt}` : `  checked ${report.checkedAt}`,
  ]
    .filter(Boolean)
    .join('\n');
}

export function renderDrift(report: StackDriftReport | EnvironmentDriftReport | KubernetesDriftReport): DriftText {
  if (isKubernetesDrift(report)) {
    return {
      headline: `[${report.environment}] ${report.summary} (namespace ${report.namespace})`,
      body: kubernetesDriftBody(report),
      clean: report.status !== 'DRIFTED',
    };
  }
  if (report.kind === 'stack') {
    return {
      headline: `[${report.environment}] ${report.summary} (${report.stackName})`,
      body: stackDriftBody(report),
      clean: report.status !== 'DRIFTED',
    };
  }
  const lines = [
    ...report.stacks.map((s) => (s.status === 'DRIFTED' ? `${s.summary}\n${stackDriftBody(s)}` : `${s.summary}`)),
    ...report.unchecked.map((u) => `${u.stack} in ${report.environment}: not checked (${u.kind}) — ${u.reason}`),
    ...(report.kubernetes ?? []).map((k) =>
      k.status === 'DRIFTED' ? `${k.summary}\n${kubernetesDriftBody(k)}` : k.summary,
    ),
  ];
  return {
    headline: `[${report.environment}] drift: ${report.summary}`,
    body: lines.join('\n'),
    clean:
      report.stacks.every((s) => s.status !== 'DRIFTED') &&
      (report.kubernetes ?? []).every((k) => k.status !== 'DRIFTED'),
  };
}
