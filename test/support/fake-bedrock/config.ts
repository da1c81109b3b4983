import type { AppConfig } from '../../../core/config';
import type { LlmConfig } from '../../../core/llm/settings';
import type { FakeBedrock } from './server';

/** A config whose `llm:` section points at the fake, with short timeouts and backoff so failure paths run in seconds. */
export function withFakeModel(config: AppConfig, fake: FakeBedrock, overrides: Partial<LlmConfig> = {}): AppConfig {
  const llm: LlmConfig = {
    modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    region: 'us-east-1',
    endpoint: fake.endpoint,
    maxTokens: 1024,
    temperature: 0,
    timeoutMs: 5_000,
    maxAttempts: 3,
    backoffMs: 200,
    diagnose: { maxSteps: 4, maxTokens: 40_000, timeBudgetMs: 60_000 },
    autoRunReads: { environments: ['dev', 'tst'], unscoped: true },
    ...overrides,
  };
  return { ...config, llm };
}
