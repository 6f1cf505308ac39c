export { startApiServer } from './server/api-server';
export type { ApiServerOptions, RunningApiServer } from './server/api-server';
export { buildApiSchema } from './server/schema';
export { CorrelationService } from './modules/correlation/correlation.service';
export type { CorrelationQuery } from './modules/correlation/correlation.service';
export { CorrelationMethod } from './modules/correlation/correlation-method.enum';
export type { Correlation } from './modules/correlation/correlation.type';
export { CorrelationError } from './modules/correlation/correlation.error';
