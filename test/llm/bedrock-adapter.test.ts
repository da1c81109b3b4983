import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ModelPort } from '../../adapters/llm/bedrock-converse';
import { createBedrockModel } from '../../adapters/llm/bedrock-converse';
import type { ModelRequest } from '../../core/llm/types';
import type { FakeBedrock } from '../support/fake-bedrock/server';
import { startFakeBedrock } from '../support/fake-bedrock/server';

const request: ModelRequest = {
  system: 'route requests',
  messages: [
    { role: 'user', content: [{ text: 'why is vpc failing?' }] },
    { role: 'assistant', content: [{ toolUse: { toolUseId: 'tu1', name: 'list', input: {} } }] },
    {
      role: 'user',
      content: [{ toolResult: { toolUseId: 'tu1', status: 'success', json: { untrusted_data: '[]' } } }],
    },
  ],
  tools: [{ name: 'list', description: 'list operations', inputSchema: { json: { type: 'object', properties: {} } } }],
  inference: { maxTokens: 256, temperature: 0 },
};

describe.each([
  ['cleartext HTTP/2 (the client default)', 'h2' as const],
  ['HTTP/1.1 (a handler given to the client)', 'http1' as const],
])('Bedrock Converse adapter over %s against the local Converse server', (_label, protocol) => {
  let fake: FakeBedrock;
  let model: ModelPort;

  beforeAll(async () => {
    fake = await startFakeBedrock({ protocol });
    model = createBedrockModel({
      modelId: 'anthropic.claude-test',
      region: 'us-east-1',
      endpoint: fake.endpoint,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-for-the-model' },
      timeoutMs: 1_000,
      ...(protocol === 'http1' ? { requestHandler: new NodeHttpHandler() } : {}),
    });
  });
  afterAll(() => fake.close());

  it('GIVEN a conversation with tool results WHEN sent THEN the wire request is Converse-shaped and the answer maps back with usage', async () => {
    fake.script({
      text: 'thinking',
      toolUses: [{ name: 'list', input: {}, toolUseId: 'tu2' }],
      usage: { inputTokens: 50, outputTokens: 7 },
    });
    const r = await model.converse(request);
    expect(r.message).toEqual({
      role: 'assistant',
      content: [{ text: 'thinking' }, { toolUse: { toolUseId: 'tu2', name: 'list', input: {} } }],
    });
    expect(r).toMatchObject({ stopReason: 'tool_use', usage: { calls: 1, inputTokens: 50, outputTokens: 7 } });
    const sent = fake.requests.at(-1)!;
    expect(sent.modelId).toBe('anthropic.claude-test');
    expect(sent.body).toEqual({
      system: [{ text: 'route requests' }],
      messages: [
        { role: 'user', content: [{ text: 'why is vpc failing?' }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 'tu1', name: 'list', input: {} } }] },
        {
          role: 'user',
          content: [
            { toolResult: { toolUseId: 'tu1', status: 'success', content: [{ json: { untrusted_data: '[]' } }] } },
          ],
        },
      ],
      inferenceConfig: { maxTokens: 256, temperature: 0 },
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'list',
              description: 'list operations',
              inputSchema: { json: { type: 'object', properties: {} } },
            },
          },
        ],
        toolChoice: { auto: {} },
      },
    });
    expect(JSON.stringify(sent.body)).not.toContain('not-for-the-model');
  });

  it.each([
    ['a 429 ThrottlingException', 'ModelThrottled', { throttle: true } as const],
    [
      'a 400 ValidationException',
      'ModelRejected',
      { error: { status: 400, type: 'ValidationException', message: 'bad model' } },
    ],
    [
      'a 403 AccessDeniedException',
      'ModelRejected',
      { error: { status: 403, type: 'AccessDeniedException', message: 'no access' } },
    ],
    [
      'a 500 InternalServerException',
      'ModelUnavailable',
      { error: { status: 500, type: 'InternalServerException', message: 'oops' } },
    ],
    [
      'a 424 ModelErrorException',
      'ModelUnavailable',
      { error: { status: 424, type: 'ModelErrorException', message: 'model crashed' } },
    ],
    ['a body that is not JSON', 'ModelUnavailable', { garbage: '{"output": ' }],
    ['a 200 without a message', 'ModelUnavailable', { garbage: '{"stopReason":"end_turn"}' }],
    ['no answer within the timeout', 'ModelTimeout', { delayMs: 1_500, then: { text: 'late' } }],
  ])('GIVEN %s THEN the error is classified as %s', async (_what, type, reply) => {
    fake.script(reply);
    await expect(model.converse(request)).rejects.toMatchObject({ name: type });
  });
});
