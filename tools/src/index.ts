export { buildProgram } from './cli';
export { loadConfig, ConfigError } from './config';
export type { TransferscopeConfig } from './config';
export { describeFailure } from './cli/failure';
export { EXIT_CODES } from './cli/cli-error';
