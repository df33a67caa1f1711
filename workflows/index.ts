export { applicationWorkflow } from './application';
export { roundWorkflow } from './round';
export { allocationWorkflow } from './allocation';
