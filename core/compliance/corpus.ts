import type { ValidationFinding } from '../validation';
import type { ControlDescription } from './controls';
import { CONTROLS, controlOfRule } from './controls';
import { problemOf } from './findings';

/** What one corpus template must produce: resource logical id (`-` for the template as a whole) -> rule ids. */
export interface CorpusTemplateExpectation {
  /**
   * Set when the template is only checkable after processing (`ForEach` expansion, `SAM` transform, or parameter
   * defaults resolved): it is measured only when the validator processes templates.
   */
  readonly needsProcessing?: string;
  readonly findings: Readonly<Record<string, readonly string[]>>;
}

/** The corpus' expectations, keyed by template file name (test/fixtures/corpus/expected.yaml). */
export type CorpusExpectations = Readonly<Record<string, CorpusTemplateExpectation>>;

/** Precision and recall of one control family over the measured templates. */
export interface FamilyScore {
  readonly control: string;
  readonly expected: number;
  readonly found: number;
  readonly truePositives: number;
  /** Undefined when the validator found nothing of the family (no claim to be wrong about). */
  readonly precision?: number;
  /** Undefined when nothing of the family was expected. */
  readonly recall?: number;
}

/** The corpus measurement: which templates counted, per family scores, and every disagreement. */
export interface CorpusMeasurement {
  readonly measured: readonly string[];
  /** Templates left out because they need processing the validator did not do. */
  readonly awaitingProcessing: readonly string[];
  readonly families: readonly FamilyScore[];
  /** Expected but not found, as `file resource rule`. */
  readonly missed: readonly string[];
  /** Found but not expected, as `file resource rule`. */
  readonly unexpected: readonly string[];
}

/** Options of measureCorpus. */
export interface MeasureCorpusOptions {
  /** The needsProcessing kinds the validator handles (e.g. `ForEach`, `SAM`): those templates are measured too. */
  readonly processes: readonly string[];
  /** Maps a finding's file to the corpus template name; default: the last path segment. */
  readonly templateOf?: (file: string) => string;
  readonly controls?: readonly ControlDescription[];
}

/**
 * The problem a rule id stands for: the validator reports one problem once whichever checks see it (the tag check
 * or the CM-8 guard rules, the IaCVersion policy check or the CM-3 guard rule), so they count as one item.
 */
export function canonicalRule(rule: string): string {
  return problemOf(rule);
}

/** Organisation-policy checks whose rule ids carry no control prefix. */
const POLICY_CONTROLS: Readonly<Record<string, string>> = { MandatoryTags: 'CM-8', IaCVersionParameter: 'CM-3' };

function controlOf(rule: string): string | undefined {
  return POLICY_CONTROLS[rule] ?? controlOfRule(rule);
}

/**
 * Compares the validator's findings with the corpus' expected findings, one item per (template, resource, rule):
 * several messages of one rule on one resource are one finding. Findings outside the controls (cfn-lint, parse)
 * are not counted.
 */
export function measureCorpus(
  expectations: CorpusExpectations,
  findings: readonly ValidationFinding[],
  options: MeasureCorpusOptions,
): CorpusMeasurement {
  const controls = (options.controls ?? CONTROLS).map((c) => c.id);
  const templateOf = options.templateOf ?? ((f: string) => f.split('/').pop() ?? f);
  const names = Object.keys(expectations).sort();
  const measured = names.filter((n) => {
    const kind = expectations[n]?.needsProcessing;
    return kind === undefined || options.processes.includes(kind);
  });
  const counted = new Set(measured);
  // Item key -> control family.
  const expected = new Map<string, string>();
  for (const name of measured) {
    for (const [resource, rules] of Object.entries(expectations[name]?.findings ?? {})) {
      for (const rule of rules) expected.set(itemKey(name, resource, canonicalRule(rule)), controlOf(rule) ?? '');
    }
  }
  const found = new Map<string, string>();
  for (const f of findings) {
    const name = templateOf(f.file);
    const control = f.control ?? controlOf(f.rule);
    if (!counted.has(name) || control === undefined || !controls.includes(control)) continue;
    found.set(itemKey(name, f.resource ?? '-', canonicalRule(f.rule)), control);
  }
  const families = controls.map((control) => score(control, expected, found));
  return {
    measured,
    awaitingProcessing: names.filter((n) => !counted.has(n)),
    families,
    missed: [...expected.keys()].filter((k) => !found.has(k)).sort(),
    unexpected: [...found.keys()].filter((k) => !expected.has(k)).sort(),
  };
}

function itemKey(template: string, resource: string, rule: string): string {
  return `${template} ${resource} ${rule}`;
}

function score(
  control: string,
  expected: ReadonlyMap<string, string>,
  found: ReadonlyMap<string, string>,
): FamilyScore {
  const exp = [...expected].filter(([, c]) => c === control).map(([k]) => k);
  const got = [...found].filter(([, c]) => c === control).map(([k]) => k);
  const truePositives = got.filter((k) => expected.has(k)).length;
  return {
    control,
    expected: exp.length,
    found: got.length,
    truePositives,
    ...(got.length > 0 ? { precision: truePositives / got.length } : {}),
    ...(exp.length > 0 ? { recall: truePositives / exp.length } : {}),
  };
}

/** Markdown section of the compliance report: the corpus figures per family and every disagreement. */
export function renderCorpusSection(m: CorpusMeasurement, corpusDir: string): string[] {
  const pct = (v: number | undefined): string => (v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
  const lines = [
    '## Corpus measurement',
    '',
    `The validator against the expected findings of ${m.measured.length} templates in \`${corpusDir}\`, one item per`,
    '(template, resource, rule). Precision: share of its findings that were expected; recall: share of the expected',
    'findings it made.',
    '',
    '| Control | Expected | Found | Correct | Precision | Recall |',
    '|---|---|---|---|---|---|',
    ...m.families.map(
      (f) =>
        `| ${f.control} | ${f.expected} | ${f.found} | ${f.truePositives} | ${pct(f.precision)} | ${pct(f.recall)} |`,
    ),
    '',
  ];
  if (m.awaitingProcessing.length > 0) {
    lines.push(
      `Not measured, because they need processing the validator does not do yet (see \`needsProcessing\` in expected.yaml): ${m.awaitingProcessing
        .map((n) => `\`${n}\``)
        .join(', ')}.`,
      '',
    );
  }
  lines.push(
    ...disagreements('Expected but not found', m.missed),
    ...disagreements('Found but not expected', m.unexpected),
  );
  return lines;
}

function disagreements(title: string, items: readonly string[]): string[] {
  if (items.length === 0) return [`${title}: none.`, ''];
  return [`${title}:`, '', ...items.map((i) => `- \`${i}\``), ''];
}
