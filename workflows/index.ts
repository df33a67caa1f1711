export { applicationWorkflow } from './application';
export { roundWorkflow } from './round';
