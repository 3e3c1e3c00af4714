import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
		environment: 'node',
		pool: 'forks',
		testTimeout: 60_000,
		hookTimeout: 60_000,
		// Times on screen are in the process's zone: the same zone wherever the suite runs.
		env: {FORCE_COLOR: '0', NO_COLOR: '1', TZ: 'UTC'},
		// A home, keys and a trust of the suite's own (never the user's ~/.config or /etc/calyx).
		setupFiles: ['test/setup-trust.ts'],
	},
});
