import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
		environment: 'node',
		pool: 'forks',
		testTimeout: 60_000,
		hookTimeout: 60_000,
		// Times on screen are in the process's zone: the same zone wherever the suite runs.
		// Text is drawn in UTF-8 whatever the box's locale (tests of the ASCII fallback set their own).
		// Witnesses of the audit trails tests make go to a scratch state home, never the user's own.
		env: {FORCE_COLOR: '0', NO_COLOR: '1', TZ: 'UTC', CALYX_ASCII: '0', XDG_STATE_HOME: join(tmpdir(), `calyx-test-state-${process.pid}`)},
		// A home, keys and a trust of the suite's own (never the user's ~/.config or /etc/calyx).
		setupFiles: ['test/setup-trust.ts'],
	},
});
