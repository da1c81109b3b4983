/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- these tests read untyped YAML documents */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createRunCommand } from '../../../adapters/cli/run-command';
import { REPO_ROOT, requireTool } from '../support/tools';

const DIR = join(REPO_ROOT, 'infra', 'github-workflows');
const workflow = (name: string): Record<string, any> => parse(readFileSync(join(DIR, name), 'utf8'));

describe('GitHub Actions workflows', () => {
  it('GIVEN the four workflows WHEN the real actionlint checks them THEN it reports nothing', async () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yml')).sort();
    expect(files).toEqual(['ci.yml', 'deploy-dev.yml', 'deploy-prd.yml', 'deploy-tst.yml']);
    const result = await createRunCommand()({ file: requireTool('actionlint'), args: ['-no-color', ...files.map((f) => join(DIR, f))], timeoutMs: 60_000 });
    expect({ exitCode: result.exitCode, output: result.stdout + result.stderr }).toEqual({ exitCode: 0, output: '' });
  });

  it('GIVEN the seed triggers WHEN read THEN CI runs on any push, DEV on develop, TST after DEV, PRD after TST', () => {
    expect(workflow('ci.yml').on.push.branches).toEqual(['**']);
    expect(workflow('deploy-dev.yml').on.push.branches).toEqual(['develop']);
    expect(workflow('deploy-tst.yml').on.workflow_run).toEqual({ workflows: ['Deploy DEV'], types: ['completed'], branches: ['develop'] });
    expect(workflow('deploy-prd.yml').on.workflow_run).toEqual({ workflows: ['Deploy TST'], types: ['completed'], branches: ['develop'] });
    expect(workflow('deploy-dev.yml').name).toBe('Deploy DEV');
    expect(workflow('deploy-tst.yml').name).toBe('Deploy TST');
  });

  it('GIVEN the PRD workflow WHEN read THEN it deploys blue/green behind the prd environment and rolls back on failure', () => {
    const prd = workflow('deploy-prd.yml');
    expect(prd.jobs['blue-green'].environment).toBe('prd');
    const steps: Array<{ name?: string; if?: string; run?: string }> = prd.jobs['blue-green'].steps;
    expect(steps.map((s) => s.name).filter(Boolean)).toEqual([
      'Deploy green',
      'Shift traffic blue -> green in steps, rolling back on a failed health check',
      'Roll back to blue',
      'Scale blue down (kept for fast rollback)',
    ]);
    expect(steps.find((s) => s.name === 'Roll back to blue')?.if).toBe('failure()');
  });
});
