import type { SuppressedFinding, ValidationFinding, ValidationReport } from '../validation';
import { CONTROLS } from './controls';

/** Formats a validation report can be written in for CI. */
export type ReportFormat = 'sarif' | 'junit';

export const REPORT_FORMATS: readonly ReportFormat[] = ['sarif', 'junit'];

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/**
 * SARIF 2.1.0 (what GitHub code scanning and most CI dashboards read): one run, the rules that reported, one result
 * per finding with its file and resource (a logical location), suppressed findings with their justification.
 */
export function toSarif(report: ValidationReport): object {
  const all: Array<{ f: ValidationFinding; s?: SuppressedFinding }> = [
    ...report.findings.map((f) => ({ f })),
    ...(report.suppressed ?? []).map((s) => ({ f: s.finding, s })),
  ];
  const ruleIds = [...new Set(all.map(({ f }) => f.rule))].sort();
  const firstOf = new Map(ruleIds.map((id) => [id, all.find(({ f }) => f.rule === id)?.f]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'infra-agent validate',
            informationUri: 'https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final',
            ...(report.toolVersions
              ? {
                  properties: { tools: report.toolVersions },
                }
              : {}),
            rules: ruleIds.map((id) => {
              const f = firstOf.get(id);
              return {
                id,
                shortDescription: { text: ruleTitle(f) },
                ...(f?.control ? { properties: { tags: [`NIST-800-53:${f.control}`], control: f.control } } : {}),
              };
            }),
          },
        },
        results: all.map(({ f, s }) => ({
          ruleId: f.rule,
          ruleIndex: ruleIds.indexOf(f.rule),
          level: LEVEL[f.severity],
          message: { text: messageText(f) },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: fileUri(f.file) } },
              ...(f.resource ? { logicalLocations: [{ name: f.resource, kind: 'resource' }] } : {}),
            },
          ],
          ...(s
            ? { suppressions: [{ kind: s.by === 'template' ? 'inSource' : 'external', justification: s.reason }] }
            : {}),
          properties: {
            source: f.source,
            ...(f.control ? { control: f.control } : {}),
            ...(f.category ? { category: f.category } : {}),
            ...(f.seenBy ? { seenBy: f.seenBy } : {}),
            ...(f.onlyWhen ? { onlyWhen: f.onlyWhen } : {}),
          },
        })),
      },
    ],
  };
}

/**
 * JUnit XML: one test suite per template, one test case per control (and one for the organisation policies and
 * one for the template's own checks); a case fails with one <failure> line per finding. A template without
 * findings is one passing case, so CI counts it.
 */
export function toJUnit(report: ValidationReport): string {
  const suites = report.files.map((file) => {
    const findings = report.findings.filter((f) => f.file === file);
    const groups = new Map<string, ValidationFinding[]>();
    for (const f of findings) {
      const group = f.category === 'organisation' ? 'organisation policy' : (f.control ?? 'template');
      groups.set(group, [...(groups.get(group) ?? []), f]);
    }
    const order = [...CONTROLS.map((c) => c.id), 'organisation policy', 'template', ...groups.keys()];
    const names = [...new Set(order)].filter((g) => groups.has(g));
    const cases = names.map((g) => {
      const list = groups.get(g) ?? [];
      const errors = list.filter((f) => f.severity === 'error');
      const text = list.map((f) => `${f.severity} ${f.rule}${f.resource ? ` ${f.resource}` : ''}: ${messageText(f)}`);
      const body =
        errors.length > 0
          ? `<failure message="${xml(`${errors.length} finding(s)`)}" type="${xml(g)}">${xml(text.join('\n'))}</failure>`
          : `<system-out>${xml(text.join('\n'))}</system-out>`;
      return {
        failed: errors.length > 0,
        xml: `    <testcase classname="${xml(file)}" name="${xml(g)}">${body}</testcase>`,
      };
    });
    if (cases.length === 0)
      cases.push({ failed: false, xml: `    <testcase classname="${xml(file)}" name="all checks"/>` });
    const failures = cases.filter((c) => c.failed).length;
    return [
      `  <testsuite name="${xml(file)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">`,
      ...cases.map((c) => c.xml),
      '  </testsuite>',
    ].join('\n');
  });
  const tests = suites.reduce((n, s) => n + Number(/tests="(\d+)"/.exec(s)?.[1] ?? 0), 0);
  const failures = suites.reduce((n, s) => n + Number(/failures="(\d+)"/.exec(s)?.[1] ?? 0), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="infra-agent validate" tests="${tests}" failures="${failures}" errors="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

/** The report in `format`, as file content. */
export function renderReportAs(format: ReportFormat, report: ValidationReport): string {
  return format === 'sarif' ? `${JSON.stringify(toSarif(report), null, 2)}\n` : toJUnit(report);
}

function messageText(f: ValidationFinding): string {
  return `${f.message}${f.onlyWhen ? ` (only when ${f.onlyWhen})` : ''}`;
}

function ruleTitle(f: ValidationFinding | undefined): string {
  if (!f) return 'finding';
  const control = f.control ? CONTROLS.find((c) => c.id === f.control) : undefined;
  return control ? `${control.id} ${control.title}` : `${f.source} ${f.rule}`;
}

/** A relative path stays relative (SARIF resolves it against the checkout); an absolute one becomes file://. */
function fileUri(file: string): string {
  const encoded = file.split('/').map(encodeURIComponent).join('/');
  return file.startsWith('/') ? `file://${encoded}` : encoded;
}

function xml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // Characters XML 1.0 cannot carry at all (control characters other than tab, newline and carriage return).
      .replace(/[^\t\n\r\u0020-\u{10FFFF}]/gu, ' ')
  );
}
