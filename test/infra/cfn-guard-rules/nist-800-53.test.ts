import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { guardRuleNames, runCfnGuard } from '../../../adapters/cli/cfn-guard';
import type { CfnGuardResult } from '../../../adapters/cli/cfn-guard';
import { createRunCommand } from '../../../adapters/cli/run-command';
import { CONTROLS, REGISTRY_RULES, controlOfRule } from '../../../core/compliance/controls';
import { TAGGABLE_LIST_TYPES } from '../../../core/compliance/taggable-types';
import { GUARD_FIXTURES, REPO_ROOT, RULES_DIR, guardFixtures, requireTool, templateFiles } from '../support/tools';

const ruleFiles = readdirSync(RULES_DIR).filter((f) => f.endsWith('.guard')).sort();
const ruleSource = (file: string): string => readFileSync(join(RULES_DIR, file), 'utf8');
const ruleNames = ruleFiles.flatMap((f) => guardRuleNames(ruleSource(f)));
const fixtures = guardFixtures();
const controlOfDir = (dir: string): string => dir.toUpperCase();

let result: CfnGuardResult;

// One cfn-guard process over every template and every fixture keeps the suite fast.
beforeAll(async () => {
  const files = [...templateFiles().map((f) => join(REPO_ROOT, f)), ...fixtures.map((f) => f.path)];
  result = await runCfnGuard({
    run: createRunCommand(),
    bin: requireTool('cfn-guard'),
    rulesDir: RULES_DIR,
    ruleNames,
    files,
    displayName: (p) => p.replace(`${REPO_ROOT}/`, ''),
    controlOf: controlOfRule,
  });
});

const statusOf = (file: string, rule: string): string | undefined =>
  result.ruleResults.find((r) => r.file === file && r.rule === rule)?.status;
const fixtureName = (path: string): string => path.replace(`${REPO_ROOT}/`, '');

describe('NIST 800-53 guard rules', () => {
  it('GIVEN the rules directory WHEN listed THEN every file belongs to a seed control, and every rule is named after its control', () => {
    const controlFiles = CONTROLS.flatMap((c) => [c.rulesFile, ...(c.moreRulesFiles ?? [])]);
    expect(controlFiles.sort()).toEqual(ruleFiles);
    for (const c of CONTROLS) for (const f of [c.rulesFile, ...(c.moreRulesFiles ?? [])]) expect(f.startsWith(`${c.id.toLowerCase()}-`)).toBe(true);
    for (const file of ruleFiles) {
      const control = file.split('-').slice(0, 2).join('-').toUpperCase();
      const names = guardRuleNames(ruleSource(file));
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect({ name, control: controlOfRule(name) }).toEqual({ name, control });
      const messages = [...ruleSource(file).matchAll(/<<\s*([^>]*)>>/g)].map((m) => m[1] ?? '');
      expect(messages.length).toBeGreaterThanOrEqual(names.length);
      for (const message of messages) expect(message.startsWith(`${control}: `)).toBe(true);
    }
  });

  it('GIVEN every template under infra/cloudformation WHEN every rule runs THEN no rule fails', () => {
    const templates = templateFiles();
    expect(result.ruleResults.filter((r) => templates.includes(r.file) && r.status === 'FAIL')).toEqual([]);
    expect(result.findings.filter((f) => templates.includes(f.file))).toEqual([]);
    const applied = new Set(result.ruleResults.filter((r) => templates.includes(r.file) && r.status === 'PASS').map((r) => r.rule));
    // Every rule of the original files, except the ones for resource types the templates do not use, is exercised by
    // a real template. The service files (moreRulesFiles) cover types the product does not deploy; AC6_IMDSV2_REQUIRED
    // is the one of them that applies to its launch template.
    const original = CONTROLS.flatMap((c) => guardRuleNames(ruleSource(c.rulesFile)));
    expect(original.filter((r) => !applied.has(r)).sort()).toEqual(['AC6_NO_WILDCARD_RESOURCES_IN_POLICIES', 'SC28_VOLUMES_ENCRYPTED', 'SC8_PUBLIC_INGRESS_RULES_TLS_ONLY']);
    expect(applied.has('AC6_IMDSV2_REQUIRED')).toBe(true);
  });

  it.each(fixtures.filter((f) => f.expect === 'PASS').map((f) => [`${f.dir}/${f.file}`, f] as const))(
    'GIVEN the compliant fixture %s WHEN its control rules run THEN none fails and at least one passes',
    (_name, fixture) => {
      const mine = result.ruleResults.filter((r) => r.file === fixtureName(fixture.path) && r.control === controlOfDir(fixture.dir));
      expect(mine.filter((r) => r.status === 'FAIL')).toEqual([]);
      expect(mine.some((r) => r.status === 'PASS')).toBe(true);
    },
  );

  it.each(fixtures.filter((f) => f.expect !== 'PASS').map((f) => [`${f.dir}/${f.file}`, f] as const))(
    'GIVEN the violating fixture %s WHEN the rules run THEN the expected rule fails with a finding of its control',
    (_name, fixture) => {
      const file = fixtureName(fixture.path);
      expect(statusOf(file, fixture.expect)).toBe('FAIL');
      const findings = result.findings.filter((f) => f.file === file && f.rule === fixture.expect);
      expect(findings.length).toBeGreaterThan(0);
      for (const finding of findings) {
        expect(finding).toMatchObject({ source: 'cfn-guard', control: controlOfDir(fixture.dir), severity: 'error' });
        expect(finding.message.startsWith(`${controlOfDir(fixture.dir)}: `)).toBe(true);
      }
    },
  );

  it('GIVEN all fixtures WHEN grouped by rule THEN every rule passes some compliant fixture and is caught by some violating one', () => {
    const passedSomewhere = new Set(
      fixtures.filter((f) => f.expect === 'PASS').flatMap((f) => result.ruleResults.filter((r) => r.file === fixtureName(f.path) && r.status === 'PASS').map((r) => r.rule)),
    );
    const caught = new Set(fixtures.map((f) => f.expect));
    expect(ruleNames.filter((r) => !passedSomewhere.has(r))).toEqual([]);
    expect(ruleNames.filter((r) => !caught.has(r))).toEqual([]);
    expect(readdirSync(GUARD_FIXTURES).sort()).toEqual(CONTROLS.map((c) => c.id.toLowerCase()).sort());
  });

  it('GIVEN a VPC without a flow log WHEN AU-2 fails THEN the finding names the VPC logical id', () => {
    const file = 'test/fixtures/guard/au-2/violating-flowlog-on-other-vpc.yaml';
    expect(result.findings.filter((f) => f.file === file && f.rule === 'AU2_VPC_FLOW_LOGS').map((f) => f.resource)).toContain('Vpc');
  });

  it('GIVEN the registry ids WHEN read from the rules files THEN they equal REGISTRY_RULES, and every id names a registry rule once', () => {
    const fromComments: Record<string, string[]> = {};
    for (const file of ruleFiles) {
      for (const m of ruleSource(file).matchAll(/^# Registry: ([^\n]*)\n(?:#[^\n]*\n)*rule ([A-Z0-9_]+)/gm)) {
        const ids = /^[A-Z0-9_]+(?:, [A-Z0-9_]+)*/.exec(m[1] ?? '')?.[0] ?? '';
        fromComments[m[2] ?? ''] = ids.split(', ');
      }
    }
    expect(fromComments).toEqual(REGISTRY_RULES);
    for (const rule of Object.keys(REGISTRY_RULES)) expect(ruleNames).toContain(rule);
    for (const ids of Object.values(REGISTRY_RULES)) for (const id of ids) expect(id).toMatch(/^[A-Z0-9_]+$/);
  });

  it('GIVEN the CM-8 rule WHEN its type list is read THEN it equals the TypeScript mandatory-tags list', () => {
    const source = ruleSource('cm-8-component-inventory.guard');
    const block = /let cm8_list_tagged = Resources\.\*\[\s*Type in \[([^\]]*)\]/.exec(source)?.[1] ?? '';
    expect([...block.matchAll(/'([^']+)'/g)].map((m) => m[1])).toEqual(TAGGABLE_LIST_TYPES);
  });
});
