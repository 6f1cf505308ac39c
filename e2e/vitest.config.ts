import { projectConfig } from '../vitest.shared';

// End-to-end tests drive the built CLI and server as a user would; one file at a time keeps the two cores for them.
export default projectConfig({ include: ['src/**/*.e2e.test.ts'], fileParallelism: false, testTimeout: 120_000, hookTimeout: 120_000 });
