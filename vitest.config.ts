import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The integration and end-to-end suites start real servers and real CLIs: two cores, so keep it calm.
    maxWorkers: 2,
  },
});
