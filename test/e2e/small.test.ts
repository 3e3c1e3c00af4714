import {describe, expect, it} from 'vitest';
import {json, sandbox, selected, useTerminal} from './tmux.js';

const {keys, open, waitScreen} = useTerminal('small');

/** The header: the first two rows of the console. */
const header = (s: string) => s.split('\n').slice(0, 2).join('\n');

describe('small things operators tripped on, in a terminal', () => {
	it('opens the read-only console for `calyx --readonly` with no command: read-only said once, and h does nothing', async () => {
		const box = sandbox();
		open(box, ['--readonly']);
		const s = await waitScreen(x => /^› DEP-/m.test(x), 'the list');
		expect(s).not.toContain('unknown option');
		expect(header(s).match(/read-only/g)).toHaveLength(1);
		const id = /DEP-\d{8}-\d+/.exec(selected(s))![0];
		keys('h');
		const refused = await waitScreen(x => x.includes('read-only: halt is not available'), 'the refusal');
		expect(refused).not.toContain(`Halt ${id}`);
		expect(json<{status: string}>(box, 'canary', 'status', id).status).toBe('running');
	});

	it('npm start -- --bake 2m seeds a demo slow enough to practise halt and resume', async () => {
		const box = sandbox('1h', false);
		open(box, ['ui', '--demo-if-empty', '--bake', '2m']);
		const s = await waitScreen(x => /^› DEP-/m.test(x), 'the seeded list');
		const id = /DEP-\d{8}-\d+/.exec(selected(s))![0];
		expect(json<{gate: {bake: {requiredMs: number}}}>(box, 'canary', 'status', id).gate.bake.requiredMs).toBe(120_000);
	});
});
