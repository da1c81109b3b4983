export { whoamiWorkflow } from './whoami';
