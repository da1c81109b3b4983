import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import type {
  BedrockRuntimeClientConfig,
  ContentBlock,
  ConverseCommandInput,
  Message,
  Tool,
} from '@aws-sdk/client-bedrock-runtime';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { ModelRejected, ModelThrottled, ModelTimeout, ModelUnavailable } from '../../core/llm/errors';
import type { ModelContent, ModelMessage, ModelRequest, ModelResponse } from '../../core/llm/types';

/** The language model behind one small interface; activities never see the SDK. */
export interface ModelPort {
  readonly modelId: string;
  converse(request: ModelRequest, signal?: AbortSignal): Promise<ModelResponse>;
}

/** Where the model lives. Production sets modelId and region; the sandbox adds the fake's endpoint. */
export interface BedrockModelProps {
  readonly modelId: string;
  readonly region: string;
  readonly endpoint?: string;
  /** From the `aws:` block when set; otherwise the default AWS credential chain. Never sent to the model. */
  readonly credentials?: AwsCredentialIdentity;
  readonly timeoutMs: number;
  /** Test seam: e.g. an HTTP/1.1 handler for a server that does not speak HTTP/2. */
  readonly requestHandler?: BedrockRuntimeClientConfig['requestHandler'];
}

/** Claude (or any Converse model) on Amazon Bedrock, through the real BedrockRuntimeClient. */
export function createBedrockModel(props: BedrockModelProps): ModelPort {
  const client = new BedrockRuntimeClient({
    region: props.region,
    // Temporal owns retries (with backoff the workflow can report); the SDK makes one attempt per activity try.
    maxAttempts: 1,
    ...(props.endpoint ? { endpoint: props.endpoint } : {}),
    ...(props.credentials ? { credentials: props.credentials } : {}),
    ...(props.requestHandler ? { requestHandler: props.requestHandler } : {}),
  });
  return {
    modelId: props.modelId,
    async converse(request, signal) {
      const timer = new AbortController();
      const timeout = setTimeout(() => timer.abort(), props.timeoutMs);
      const onAbort = () => timer.abort();
      signal?.addEventListener('abort', onAbort);
      const started = Date.now();
      try {
        const out = await client.send(new ConverseCommand(toConverse(props.modelId, request)), {
          abortSignal: timer.signal,
        });
        const message = out.output?.message;
        if (!message?.content) throw new ModelUnavailable('the model answered without a message');
        return {
          message: { role: 'assistant', content: message.content.flatMap(fromBlock) },
          stopReason: out.stopReason ?? 'unknown',
          usage: {
            calls: 1,
            inputTokens: out.usage?.inputTokens ?? 0,
            outputTokens: out.usage?.outputTokens ?? 0,
            latencyMs: Date.now() - started,
          },
        };
      } catch (e) {
        throw classify(e, timer.signal.aborted && !signal?.aborted, props.timeoutMs);
      } finally {
        clearTimeout(timeout);
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}

function toConverse(modelId: string, r: ModelRequest): ConverseCommandInput {
  return {
    modelId,
    system: [{ text: r.system }],
    messages: r.messages.map(toMessage),
    inferenceConfig: { maxTokens: r.inference.maxTokens, temperature: r.inference.temperature },
    ...(r.tools.length
      ? {
          toolConfig: {
            tools: r.tools.map((t) => ({ toolSpec: t }) as Tool),
            toolChoice: { auto: {} },
          },
        }
      : {}),
  };
}

function toMessage(m: ModelMessage): Message {
  return { role: m.role, content: m.content.map(toBlock) };
}

function toBlock(c: ModelContent): ContentBlock {
  if ('text' in c) return { text: c.text };
  if ('toolUse' in c) return { toolUse: { ...c.toolUse, input: c.toolUse.input as never } };
  const r = c.toolResult;
  return { toolResult: { toolUseId: r.toolUseId, status: r.status, content: [{ json: r.json as never }] } };
}

function fromBlock(b: ContentBlock): ModelContent[] {
  if (b.text !== undefined) return [{ text: b.text }];
  if (b.toolUse)
    return [{ toolUse: { toolUseId: b.toolUse.toolUseId ?? '', name: b.toolUse.name ?? '', input: b.toolUse.input } }];
  return []; // reasoning and other blocks are not used
}

interface SdkError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** SDK errors to the model error vocabulary, by name, fault and status (never by message text). */
export function classify(e: unknown, timedOut: boolean, timeoutMs: number): Error {
  const err = (e ?? {}) as SdkError;
  const name = err.name ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  const msg = `${name}: ${err.message ?? ''}`.slice(0, 300);
  if (e instanceof ModelUnavailable) return e;
  if (timedOut || name === 'TimeoutError' || name === 'ModelTimeoutException' || status === 408)
    return new ModelTimeout(`no answer within ${timeoutMs} ms (${name})`);
  if (name === 'ThrottlingException' || name === 'ServiceQuotaExceededException' || status === 429)
    return new ModelThrottled(msg);
  // ModelErrorException (424) and ModelNotReadyException are the model's own hiccups: another try may succeed.
  if (
    name === 'ModelNotReadyException' ||
    name === 'ModelErrorException' ||
    err.$fault === 'server' ||
    (status !== undefined && status >= 500)
  )
    return new ModelUnavailable(msg);
  if (err.$fault === 'client' || (status !== undefined && status >= 400)) return new ModelRejected(msg);
  // Unreadable responses (a 200 with a broken body) and connection errors: worth another attempt.
  return new ModelUnavailable(msg);
}
