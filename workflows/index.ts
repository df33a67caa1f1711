export { applicationWorkflow } from './application';
