import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../../worker/config-loader';

function tempFile(text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'config.yaml');
  writeFileSync(p, text);
  return p;
}

describe('loadConfig', () => {
  it('GIVEN no INFRA_AGENT_CONFIG THEN loads the embedded sandbox default with ports from the environment', () => {
    const c = loadConfig({ INFRA_AGENT_MOTO_PORT: '5999', INFRA_AGENT_TEMPORAL_PORT: '7999' });
    expect(c.aws.endpoint).toBe('http://127.0.0.1:5999');
    expect(c.temporal.address).toBe('127.0.0.1:7999');
    expect(Object.keys(c.environments)).toEqual(['dev', 'tst', 'prd']);
    expect(c.environments.prd.approval.mfa).toBe(true);
    expect(c.infraDir).toBe(join(DEFAULT_CONFIG_PATH, '..', '..', 'infra'));
  });

  it('GIVEN a variable that is not set and has no default THEN names the variable and the line', () => {
    const p = tempFile('temporal:\n  address: ${TEMPORAL_ADDR}\n');
    expect(() => loadConfig({}, p)).toThrow(ConfigError);
    try {
      loadConfig({}, p);
    } catch (e) {
      expect((e as Error).message).toMatch(/line 2: environment variable TEMPORAL_ADDR is not set/);
      expect((e as Error).message).toMatch(/environments: is missing/);
    }
  });

  it('GIVEN a file that is not YAML THEN says so instead of crashing', () => {
    const p = tempFile('temporal: [unclosed\n');
    expect(() => loadConfig({}, p)).toThrow(/is not valid YAML/);
  });

  it('GIVEN a path that does not exist THEN says it cannot be read and which variable to set', () => {
    expect(() => loadConfig({}, '/nonexistent/infra-agent.yaml')).toThrow(
      /cannot be read \(ENOENT\); set INFRA_AGENT_CONFIG/,
    );
  });
});
