import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'gateway/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One temporary folder per run of the suite, removed at the end (test/temp-root.ts).
    globalSetup: ['test/temp-root.ts'],
    // End-to-end tests start real gateways, Toxiproxy servers and thousands of sockets; running
    // them side by side on a 2-core machine would make them measure each other.
    fileParallelism: false,
    // Within a file, tests marked concurrent (the mutation suite, the auth mutants) run two at a
    // time: each is a small run that mostly waits on its timeline, and two of them leave the host's
    // cores far from oversubscribed (which would make a slow mutant inconclusive, not killed).
    maxConcurrency: 2,
  },
});
