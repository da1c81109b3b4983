import type { ValidationFinding } from '../validation';
import type { ControlDescription } from './controls';
import { CONTROLS, controlOfRule } from './controls';

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
  /** Measure templates marked needsProcessing too (the validator processes ForEach, SAM and parameters). */
  readonly processed: boolean;
  /** Maps a finding's file to the corpus template name; default: the last path segment. */
  readonly templateOf?: (file: string) => string;
  readonly controls?: readonly ControlDescription[];
}

/**
 * The mandatory-tags check and the three CM-8 guard rules report the same problem (a resource lacks mandatory
 * tags), and the validator may keep either once duplicates are merged: they count as one rule.
 */
const RULE_ALIASES: Readonly<Record<string, string>> = {
  CM8_MANDATORY_TAGS: 'MandatoryTags',
  CM8_MANDATORY_TAGS_MAP: 'MandatoryTags',
  CM8_LAUNCH_TEMPLATE_TAGS: 'MandatoryTags',
};

/** The rule id a finding or expectation is counted under. */
export function canonicalRule(rule: string): string {
  return RULE_ALIASES[rule] ?? rule;
}

function controlOf(rule: string): string | undefined {
  return rule === 'MandatoryTags' ? 'CM-8' : controlOfRule(rule);
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
  const measured = names.filter((n) => options.processed || !expectations[n]?.needsProcessing);
  const counted = new Set(measured);
  const expected = new Set<string>();
  for (const name of measured) {
    for (const [resource, rules] of Object.entries(expectations[name]?.findings ?? {})) {
      for (const rule of rules) expected.add(itemKey(name, resource, canonicalRule(rule)));
    }
  }
  const found = new Set<string>();
  for (const f of findings) {
    const name = templateOf(f.file);
    const rule = canonicalRule(f.rule);
    const control = controlOf(rule);
    if (!counted.has(name) || control === undefined || !controls.includes(control)) continue;
    found.add(itemKey(name, f.resource ?? '-', rule));
  }
  const families = controls.map((control) => score(control, expected, found));
  return {
    measured,
    awaitingProcessing: names.filter((n) => !counted.has(n)),
    families,
    missed: [...expected].filter((k) => !found.has(k)).sort(),
    unexpected: [...found].filter((k) => !expected.has(k)).sort(),
  };
}

function itemKey(template: string, resource: string, rule: string): string {
  return `${template} ${resource} ${rule}`;
}

function score(control: string, expected: ReadonlySet<string>, found: ReadonlySet<string>): FamilyScore {
  const mine = (k: string): boolean => controlOf(k.split(' ')[2] ?? '') === control;
  const exp = [...expected].filter(mine);
  const got = [...found].filter(mine);
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
      `Not measured, because the validator does not yet process them (ForEach, SAM, parameter defaults): ${m.awaitingProcessing
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
