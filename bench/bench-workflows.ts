export * from '../workflows';
export { floorDeployWorkflow } from './floor-workflow';
