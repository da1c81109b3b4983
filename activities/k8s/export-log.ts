import { fetchFullLog, writeLogFile } from '../../adapters/k8s/log-export';
import { InvalidInput, ToolMissing } from '../../core/errors';
import type { LogExport, LogExportDestination } from '../../core/k8s/log-export';
import type { LogsRequest } from '../../core/k8s/request';
import type { NotifierPort } from '../notify/notify-operation';
import type { K8sDeps } from './deps';
import { cancellationSignal, prepare } from './deps';

/** What exporting a full log needs: the Kubernetes agent, Slack (or nothing), and the folder for files. */
export interface LogExportDeps {
  readonly k8s?: K8sDeps;
  readonly notifier: NotifierPort;
  /** Where terminal exports are written (mode 0700), e.g. next to the audit log. */
  readonly dir: string;
  readonly now?: () => number;
}

export interface ExportPodLogInput {
  readonly environment: string;
  /** The same logs request chat showed the tail of; validated again here. */
  readonly request: LogsRequest;
  readonly destination: LogExportDestination;
}

/**
 * Sends a pod's whole log where only the requester sees it. The text stays inside this activity: the result
 * (recorded in history and audit) holds only its size and digest. A retry after a lost Slack answer may send
 * the file twice to the same person; nothing else is changed.
 */
export async function exportPodLog(deps: LogExportDeps, input: ExportPodLogInput): Promise<LogExport> {
  if (!deps.k8s)
    throw new ToolMissing('the Kubernetes agent is not configured on this worker: set a kubeconfig for it');
  if (input.request.kind !== 'logs')
    throw new InvalidInput(`request: '${String(input.request.kind)}' is not a logs request`);
  const { target, request, options } = await prepare(deps.k8s, input);
  if (request.kind !== 'logs') throw new InvalidInput('request: not a logs request');
  const log = await fetchFullLog(
    { run: deps.k8s.run, bin: deps.k8s.kubectlBin },
    target,
    { ...request, ...(options.previous ? { previous: true } : {}) },
    cancellationSignal(),
  );
  const facts = { lines: log.lines, bytes: log.bytes, sha256: log.sha256, capped: log.capped };
  const d = input.destination;
  if (d.kind === 'file') {
    const path = await writeLogFile(deps.dir, request.namespace, request.pod, log.text, (deps.now ?? Date.now)());
    return { destination: 'file', ...facts, path };
  }
  const sent = await deps.notifier.sendFileToUser({
    slackUserId: d.slackUserId,
    filename: `${request.pod}.log`,
    title: `${request.namespace}/${request.pod} log`,
    content: log.text,
    comment:
      `Full log of \`${request.pod}\` (${request.namespace}): ${log.lines} lines` +
      `${log.capped ? ' (the newest part; the log is longer than the export limit)' : ''}. ` +
      'It may hold request data or secrets logged by mistake: do not share it further.',
  });
  return { destination: 'slack-dm', ...facts, fileId: sent.fileId, channel: sent.channel };
}
