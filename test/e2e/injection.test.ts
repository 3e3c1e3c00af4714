import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {HOSTILE, PAYLOADS} from '../untrusted.js';
import {calyx, json, sandbox, type Sandbox, useTerminal} from './tmux.js';

const {tmux, keys, text, screen, open, waitScreen} = useTerminal('injection');

type Doc = Record<string, any>;

/**
 * A halted deployment whose version and reason were edited by hand (or written by an older
 * version) to hold terminal sequences, in the state and in the audit trail. Returns its id.
 */
function plantHostile(box: Sandbox, reason: string): string {
	const id = json<{deployments: Array<{id: string; service: string}>}>(box, 'canary', 'list').deployments.find(d => d.service === 'search')!.id;
	calyx(box, 'canary', 'halt', id, '--reason', 'planted below');
	const path = join(box.data, 'state.json');
	const state = JSON.parse(readFileSync(path, 'utf8')) as Doc;
	const dep = (state.deployments as Doc[]).find(d => d.id === id)!;
	dep.toVersion = `3.3.0${PAYLOADS.title}`;
	dep.halt.reason = reason;
	dep.halt.actor = PAYLOADS.clipboard;
	writeFileSync(path, JSON.stringify(state));
	const audit = join(box.data, 'audit.ndjson');
	const events = readFileSync(audit, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l) as Doc);
	Object.assign(events.find(e => e.kind === 'deployment.halted' && e.subject === id)!, {reason});
	writeFileSync(audit, `${events.map(e => JSON.stringify(e)).join('\n')}\n`);
	return id;
}

const title = () => tmux('display', '-p', '-t', 'console', '#{pane_title}').trim();
const buffers = () => tmux('list-buffers', '-F', '#{buffer_sample}');

/** Shows one deployment's detail: filter the list to its id, then Enter. */
async function openDetail(id: string): Promise<string> {
	await waitScreen(s => s.includes('DEPLOYMENT'), 'the console');
	keys('/');
	text(id);
	keys('Enter');
	await waitScreen(s => /^› DEP-/m.test(s) && s.split('\n').filter(l => l.startsWith('  DEP-')).length === 0, 'the filtered list');
	keys('Enter');
	return waitScreen(s => s.includes('halted (manual)'), 'the detail');
}

describe('untrusted text in the console', () => {
	it('draws titles and reasons with their escape sequences written out: no title, clipboard, clear or fake status line', async () => {
		const box = sandbox();
		const id = plantHostile(box, HOSTILE);
		open(box, ['ui']);
		const before = await waitScreen(s => s.includes('DEPLOYMENT'), 'the console');
		const titleBefore = title();
		expect(before).toMatch(/search +3\.2\.0 → 3\.3\.…/);
		const detail = await openDetail(id);
		expect(detail).toContain('3.2.0 → 3.3.0\\x1b]0;pwned\\x07');
		const halt = detail.split('\n').find(l => l.includes('halted (manual)'))!;
		expect(halt).toContain('by \\x1b]52;c;ZXZpbA==\\x07');
		expect(halt).toContain('\\x1b]0;pwned\\x07');
		// The audit trail: the event list, then the event whole.
		keys('3');
		await waitScreen(s => s.includes('deployment.halted'), 'the audit pane');
		keys('/');
		text('halted');
		keys('Enter');
		keys('Enter');
		const event = await waitScreen(s => s.includes('Audit event #'), 'the event');
		const whole = event.replace(/\n\s*/g, ' ');
		for (const shown of ['\\x1b]0;pwned\\x07', '\\x1b]52;c;ZXZpbA==\\x07', '\\x1b[2J', '\\x1b[31mHALTED\\x1b[0m', '\\u009b31m']) {
			expect(whole).toContain(shown);
		}
		const painted = screen(true);
		// Only the console's own styling: nothing paints HALTED red, and nothing but SGR is left.
		expect(painted).not.toMatch(/\u001b\[[0-9;]*31m(?:\u001b\[[0-9;]*m)*HALTED/);
		expect(painted.replace(/\u001b\[[0-9;:]*m/g, '')).not.toMatch(/[\u001b\u0080-\u009f]/);
		expect(painted).toContain('Audit event #');
		expect(title()).toBe(titleBefore);
		expect(title()).not.toContain('pwned');
		expect(buffers()).not.toContain('ZXZpbA');
		keys('q');
		await waitScreen(s => s.includes('EXIT=0'), 'the console to quit');
	});

	it('stays responsive over a 1 MB reason, scrolls the event over it, and quits on q', async () => {
		const box = sandbox();
		const huge = `${'a long reason '.repeat(75_000)}END`;
		const id = plantHostile(box, huge);
		open(box, ['ui']);
		const detail = await openDetail(id);
		expect(detail).toContain('halted (manual)');
		// The reason is cut for the screen, and the screen answers the next key at once.
		keys('3');
		await waitScreen(s => s.includes('deployment.halted'), 'the audit pane', 5000);
		keys('/');
		text('halted');
		keys('Enter');
		keys('Enter');
		const top = await waitScreen(s => s.includes('Audit event #'), 'the event', 5000);
		expect(top).toContain('↓ more below');
		keys('G');
		const bottom = await waitScreen(s => s.includes(`(${huge.length} characters in all)`), 'the end of the reason', 5000);
		expect(bottom).toContain('data');
		keys('g');
		await waitScreen(s => s.includes('↓ more below') && /^at {7}/m.test(s), 'the top again', 5000);
		keys('q');
		await waitScreen(s => s.includes('EXIT=0'), 'the console to quit', 5000);
	});
});
