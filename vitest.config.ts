import { defineConfig } from 'vitest/config';
import { HeavyFirstSequencer } from './test/heavy-first-sequencer';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // DuckDB and the S3 server are real; a few integration tests spawn processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The SDK warns on Node 20 about its 2027 support window; that is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    pool: 'forks',
    // Two forks on two cores: a third was tried and only stretched every file (the campaigns are CPU-bound).
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    sequence: { sequencer: HeavyFirstSequencer },
  },
});
