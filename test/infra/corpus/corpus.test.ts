import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guardRuleNames } from '../../../adapters/cli/cfn-guard';
import { createRunCommand } from '../../../adapters/cli/run-command';
import {
  CORPUS_DIR,
  corpusTemplates,
  measureCorpusDir,
  readCorpusExpectations,
} from '../../../activities/iac/compliance-report';
import { createValidateActivities } from '../../../activities/iac/validate-templates';
import { parseCfnTemplate } from '../../../core/compliance/cfn-template';
import type { CorpusExpectations, CorpusMeasurement } from '../../../core/compliance/corpus';
import { REPO_ROOT, RULES_DIR, requireTool } from '../support/tools';

// The resource types issue 17 names; every one must appear in some corpus template.
const REQUIRED_TYPES = [
  'AWS::S3::Bucket', 'AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::Lambda::Function', 'AWS::Lambda::Permission',
  'AWS::Lambda::Url', 'AWS::ElasticLoadBalancing::LoadBalancer', 'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::Listener', 'AWS::CloudTrail::Trail', 'AWS::SNS::Topic', 'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret', 'AWS::DynamoDB::Table', 'AWS::EFS::FileSystem', 'AWS::ElastiCache::ReplicationGroup',
  'AWS::ApiGateway::Stage', 'AWS::ApiGatewayV2::Stage', 'AWS::ApiGateway::DomainName', 'AWS::CloudFront::Distribution',
  'AWS::ECS::TaskDefinition', 'AWS::AutoScaling::LaunchConfiguration', 'AWS::EC2::LaunchTemplate', 'AWS::IAM::Role',
  'AWS::IAM::User', 'AWS::IAM::AccessKey', 'AWS::IAM::ManagedPolicy', 'AWS::Logs::LogGroup', 'AWS::EC2::VPC',
  'AWS::EC2::FlowLog', 'AWS::EKS::Cluster', 'AWS::EC2::SecurityGroupIngress',
];

const templatesDir = join(REPO_ROOT, CORPUS_DIR, 'templates');
const names = readdirSync(templatesDir).sort();
const source = (name: string): string => readFileSync(join(templatesDir, name), 'utf8');
const ruleNames = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith('.guard'))
  .flatMap((f) => guardRuleNames(readFileSync(join(RULES_DIR, f), 'utf8')));

let expectations: CorpusExpectations;
let measurement: CorpusMeasurement;

// One validation of the whole corpus: one cfn-lint and one cfn-guard process over every template.
beforeAll(async () => {
  expectations = await readCorpusExpectations(REPO_ROOT, CORPUS_DIR);
  const activities = createValidateActivities({
    run: createRunCommand(),
    cfnLintBin: requireTool('cfn-lint'),
    cfnGuardBin: requireTool('cfn-guard'),
    rulesDir: RULES_DIR,
    baseDir: REPO_ROOT,
    cacheDir: mkdtempSync(join(tmpdir(), 'corpus-cache-')),
  });
  measurement = await measureCorpusDir(REPO_ROOT, CORPUS_DIR, activities);
}, 240_000);

describe('template corpus (issue 17)', () => {
  it('GIVEN the corpus WHEN listed THEN it has at least 40 templates in YAML and JSON, each with its expected findings', async () => {
    expect(await corpusTemplates(REPO_ROOT, CORPUS_DIR)).toEqual(names);
    expect(names.length).toBeGreaterThanOrEqual(40);
    expect(names.filter((n) => n.endsWith('.json')).length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(expectations).sort()).toEqual(names);
  });

  it('GIVEN the corpus WHEN read THEN it covers every resource type of the issue, short-form intrinsics, conditions, ForEach and SAM', () => {
    const types = new Set<string>();
    for (const name of names) {
      const parsed = parseCfnTemplate(source(name));
      if (!parsed.ok) throw new Error(`${name}: ${parsed.reason}`);
      for (const body of Object.values(parsed.template.Resources)) if (typeof body?.Type === 'string') types.add(body.Type);
    }
    expect(REQUIRED_TYPES.filter((t) => !types.has(t))).toEqual([]);
    expect(names.filter((n) => /!(Ref|Sub|GetAtt|If) /.test(source(n))).length).toBeGreaterThanOrEqual(20);
    expect(names.filter((n) => /^Conditions:|"Conditions":/m.test(source(n))).length).toBeGreaterThanOrEqual(5);
    expect(names.some((n) => source(n).includes('Fn::ForEach::'))).toBe(true);
    expect(names.some((n) => source(n).includes('AWS::Serverless-2016-10-31'))).toBe(true);
  });

  it('GIVEN the expected findings WHEN read THEN each names a real rule (or MandatoryTags) and the templates needing processing say which', () => {
    const known = new Set([...ruleNames, 'MandatoryTags']);
    for (const [name, e] of Object.entries(expectations)) {
      for (const rules of Object.values(e.findings)) for (const rule of rules) expect({ name, rule, known: known.has(rule) }).toEqual({ name, rule, known: true });
    }
    const processing = Object.entries(expectations).filter(([, e]) => e.needsProcessing).map(([n]) => n).sort();
    expect(processing).toEqual(['foreach-buckets.yaml', 'params-defaults.yaml', 'sam-orders-api.yaml']);
  });

  it('GIVEN the validator WHEN run over the corpus THEN every control family reaches 95% precision and 95% recall', () => {
    expect(measurement.measured.length).toBeGreaterThanOrEqual(40);
    // ForEach and SAM templates are checked after processing, and parameter defaults are substituted into properties.
    expect(measurement.awaitingProcessing).toEqual([]);
    const failing = measurement.families.filter((f) => (f.precision ?? 1) < 0.95 || (f.recall ?? 1) < 0.95);
    // On failure the disagreements say which template, resource and rule.
    expect({ failing, missed: failing.length ? measurement.missed : [], unexpected: failing.length ? measurement.unexpected : [] }).toEqual({ failing: [], missed: [], unexpected: [] });
    for (const family of measurement.families) expect({ control: family.control, expected: family.expected > 0 }).toEqual({ control: family.control, expected: true });
  });
});
