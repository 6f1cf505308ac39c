export { TransferscopeClient, TransferscopeApiError } from './client';
export type { ClientOptions, ImportSummary, ResultsFile, ResultsUpload } from './client';
export * from './generated/graphql';
