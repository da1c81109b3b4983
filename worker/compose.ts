import { createActivities } from '../activities';
import type { Activities } from '../activities';
import { createAwsClientFactory } from '../adapters/aws/clients';
import type { AppConfig } from '../core/config';

/** The worker's composition root: config in, real adapters wired into activities out. */
export function composeActivities(config: AppConfig): Activities {
  return createActivities({ aws: createAwsClientFactory(config.aws) });
}
