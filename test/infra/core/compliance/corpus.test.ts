import { canonicalRule, measureCorpus, renderCorpusSection } from '../../../../core/compliance/corpus';
import type { CorpusExpectations } from '../../../../core/compliance/corpus';
import type { ValidationFinding } from '../../../../core/validation';

const finding = (file: string, rule: string, resource?: string, control?: string): ValidationFinding => ({
  source: rule === 'MandatoryTags' ? 'tags' : 'cfn-guard',
  file,
  rule,
  message: `${rule} failed`,
  severity: 'error',
  ...(resource ? { resource } : {}),
  ...(control ? { control } : {}),
});

const expectations: CorpusExpectations = {
  'a.yaml': { findings: { '-': ['CM3_IAC_VERSION_PARAMETER'], Bucket: ['SC28_S3_ENCRYPTION', 'MandatoryTags'] } },
  'b.json': { findings: { Table: ['SC28_DYNAMODB_PITR'] } },
  'sam.yaml': { needsProcessing: 'SAM', findings: { Fn: ['SC7_LAMBDA_IN_VPC'] } },
};

describe('corpus measurement', () => {
  it('GIVEN findings of several tools WHEN measured THEN one item per template, resource and rule counts, tag checks are one rule, and lint findings are ignored', () => {
    const m = measureCorpus(
      expectations,
      [
        finding('test/fixtures/corpus/templates/a.yaml', 'CM3_IAC_VERSION_PARAMETER', undefined, 'CM-3'),
        finding('test/fixtures/corpus/templates/a.yaml', 'SC28_S3_ENCRYPTION', 'Bucket', 'SC-28'),
        finding('test/fixtures/corpus/templates/a.yaml', 'SC28_S3_ENCRYPTION', 'Bucket', 'SC-28'),
        finding('test/fixtures/corpus/templates/a.yaml', 'CM8_MANDATORY_TAGS', 'Bucket', 'CM-8'),
        finding('test/fixtures/corpus/templates/a.yaml', 'MandatoryTags', 'Bucket', 'CM-8'),
        finding('test/fixtures/corpus/templates/a.yaml', 'E3012', 'Bucket'),
        finding('test/fixtures/corpus/templates/b.json', 'SC28_DYNAMODB_KMS', 'Table', 'SC-28'),
      ],
      { processes: [] },
    );
    expect(m.measured).toEqual(['a.yaml', 'b.json']);
    expect(m.awaitingProcessing).toEqual(['sam.yaml']);
    expect(m.missed).toEqual(['b.json Table SC28_DYNAMODB_PITR']);
    expect(m.unexpected).toEqual(['b.json Table SC28_DYNAMODB_KMS']);
    const sc28 = m.families.find((f) => f.control === 'SC-28');
    expect(sc28).toEqual({ control: 'SC-28', expected: 2, found: 2, truePositives: 1, precision: 0.5, recall: 0.5 });
    expect(m.families.find((f) => f.control === 'CM-8')).toEqual({ control: 'CM-8', expected: 1, found: 1, truePositives: 1, precision: 1, recall: 1 });
    expect(m.families.find((f) => f.control === 'AU-3')).toEqual({ control: 'AU-3', expected: 0, found: 0, truePositives: 0 });
  });

  it('GIVEN a validator that transforms SAM WHEN measured THEN the SAM template counts too', () => {
    const m = measureCorpus(expectations, [], { processes: ['SAM'] });
    expect(m.measured).toEqual(['a.yaml', 'b.json', 'sam.yaml']);
    expect(m.families.find((f) => f.control === 'SC-7')).toMatchObject({ expected: 1, found: 0, recall: 0 });
  });

  it('GIVEN a measurement WHEN rendered THEN the table shows percentages, the unmeasured templates and every disagreement', () => {
    const m = measureCorpus(expectations, [finding('x/b.json', 'SC28_DYNAMODB_KMS', 'Table', 'SC-28')], { processes: [] });
    const text = renderCorpusSection(m, 'test/fixtures/corpus').join('\n');
    expect(text).toContain('| SC-28 | 2 | 1 | 0 | 0.0% | 0.0% |');
    expect(text).toContain('| AU-3 | 0 | 0 | 0 | — | — |');
    expect(text).toContain('`sam.yaml`');
    expect(text).toContain('- `b.json Table SC28_DYNAMODB_PITR`');
    expect(text).toContain('- `b.json Table SC28_DYNAMODB_KMS`');
    expect(canonicalRule('CM8_MANDATORY_TAGS_MAP')).toBe(canonicalRule('MandatoryTags'));
    expect(canonicalRule('CM3_IAC_VERSION_PARAMETER')).toBe(canonicalRule('IaCVersionParameter'));
  });
});
