export type { GatewaySession as Session } from '../worker/client-compose';
export { openGateway as openSession } from '../worker/client-compose';
