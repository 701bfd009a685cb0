import { defineConfig } from 'vitest/config';

// Component and unit tests of the dashboard (*.test.ts); the pages themselves are tested in Chromium (test/dashboard).
export default defineConfig({ test: { root: 'apps/dashboard', include: ['src/**/*.test.ts'] } });
