import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {KEYMAP, keymapFor} from '../../src/ui/keymap.js';
import {frameOf, KEY, press, settled, type, waitForFrame, selectedLine} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

const footerOf = (frame: string) => frame.split('\n').at(-1)!;

describe('the header', () => {
	it('shows the data directory, the engine role live, who you are, and the counts by status', async () => {
		const {r, engine} = await mount();
		const head = frameOf(r).split('\n').slice(0, 2);
		expect(head[0]).toBe('calyx target simulated engine leader you human:alice (human key)');
		// The keys answer to the suite's demo trust: said first, before anything a narrow terminal clips.
		expect(head[1]).toBe('demo trust: not for production · running 1 · holding 1 · awaiting promotion 1 · halted 1 · rolled b…');
		engine.become('follower');
		await waitForFrame(r, 'engine follower');
		cleanup();
		const wide = await mount({size: {columns: 140, rows: 30}});
		expect(frameOf(wide.r).split('\n')[1]).toMatch(/^demo trust: not for production · running 1 .* · data \/srv\/calyx$/);
	});

	it('says a read-only console watches, whatever role its engine loop reports', async () => {
		const {r, engine} = await mount({props: {readonly: true}});
		expect(frameOf(r).split('\n')[0]).toBe('calyx target simulated engine watching (⊘ read-only) you human:alice (human key)');
		engine.become('follower');
		await settled(r);
		expect(frameOf(r).split('\n')[0]).toContain('engine watching (⊘ read-only)');
	});
});

describe('panes', () => {
	it('switches with Tab and 1–4', async () => {
		const {r} = await mount();
		await press(r, KEY.tab);
		await waitForFrame(r, '[2 Leases 2]');
		await press(r, KEY.tab);
		await waitForFrame(r, /\[3 Audit \d+\]/);
		await press(r, KEY.tab);
		await waitForFrame(r, '[4 Intents 7]');
		await press(r, KEY.tab);
		await waitForFrame(r, '[1 Deployments 5]');
		await press(r, '4');
		await waitForFrame(r, '[4 Intents 7]');
		await press(r, '3');
		await waitForFrame(r, /\[3 Audit/);
		await press(r, '1');
		await waitForFrame(r, '[1 Deployments 5]');
	});

	it('lists the leases waiting for a key, with who signed and what each still needs', async () => {
		const {r, store, fx} = await mount();
		await press(r, '2');
		const frame = await waitForFrame(r, 'LEASE ');
		const line = (id: string) => frame.split('\n').find(l => l.includes(id))!;
		expect(line(fx.lease.unsigned)).toMatch(/billing +1\.0\.0 → 3\.0\.0 +\d+ low +human — {2}agent — +<60m/);
		expect(line(fx.lease.agentSigned)).toMatch(/reports .* human — {2}agent ✓/);
		const unsigned = store.state.leases.find(l => l.id === fx.lease.unsigned)!;
		expect(frame).toContain(`digest ${unsigned.digest}`);
		expect(frame).toContain('still needed: a human key and an agent key');
		await press(r, 'j');
		const next = await waitForFrame(r, f => selectedLine(f).includes(fx.lease.agentSigned));
		expect(next).toContain('still needed: a human key');
		expect(next).not.toContain('no valid agent signature');
	});

	it('shows the audit trail newest first, and filters it', async () => {
		const {r, store} = await mount();
		await press(r, '3');
		const newest = store.log.at(-1)!;
		const frame = await waitForFrame(r, f => selectedLine(f).includes(newest.kind));
		expect(selectedLine(frame)).toContain(String(newest.seq));
		expect(selectedLine(frame)).toContain(newest.kind);
		await press(r, '/');
		await type(r, 'rollback.verified');
		await press(r, KEY.enter);
		const filtered = await waitForFrame(r, 'filter: rollback.verified');
		const rows = filtered.split('\n').filter(l => /^[› ] +\d+ +\d\d:\d\d:\d\d/.test(l));
		expect(rows.length).toBe(store.log.filter(e => e.kind === 'rollback.verified').length);
		store.external({type: 'canary.halt', actor: 'human:bob', id: store.state.deployments.find(d => d.status === 'running')!.id, reason: 'later'});
		const picked = selectedLine(filtered);
		await press(r, KEY.esc);
		// Clearing the filter keeps the selection on the event it was on; the newest is at the top.
		await waitForFrame(r, f => !f.includes('filter: rollback.verified') && selectedLine(f) === picked && f.includes(`Audit ${store.log.length}]`));
		await press(r, 'g');
		await waitForFrame(r, f => selectedLine(f).includes('deployment.halted') && selectedLine(f).includes('human:bob'));
	});

	it('shows an audit event whole on Enter at 80 columns, with a wider reason column than the kind, and Esc goes back', async () => {
		const {r, store} = await mount({size: {columns: 80, rows: 24}});
		const reason = 'a reason far longer than any audit list row can show at eighty columns, read in full';
		const id = store.state.deployments.find(d => d.status === 'running')!.id;
		store.external({type: 'canary.halt', actor: 'operator:rosalind-the-night-shift', id, reason});
		await press(r, '3');
		const list = await waitForFrame(r, f => selectedLine(f).includes('operator:ro'));
		const header = list.split('\n').find(l => l.includes('REASON'))!;
		const reasonCell = selectedLine(list).slice(header.indexOf('REASON')).trimEnd();
		expect(reasonCell.length).toBeGreaterThanOrEqual(20);
		expect(reasonCell.length).toBeGreaterThan(header.indexOf('SUBJECT') - header.indexOf('EVENT'));
		expect(list).not.toContain(reason);
		await press(r, KEY.enter);
		const shown = await waitForFrame(r, 'Audit event #');
		const event = store.log.at(-1)!;
		expect(shown).toContain(`Audit event #${event.seq} · deployment.halted`);
		expect(shown).toContain('operator:rosalind-the-night-shift');
		expect(shown).toContain(id);
		expect(shown.replace(/\s+/g, ' ')).toContain(reason);
		expect(shown).toContain('data');
		await press(r, KEY.esc);
		await waitForFrame(r, f => f.includes('REASON') && !f.includes('Audit event #'));
	});
});

describe('help and footer', () => {
	it('generate the same keys as the handler: the footer names only keys that act, and ? lists them all', async () => {
		for (const readonly of [false, true]) {
			const {r} = await mount({props: {readonly}, size: {columns: 200, rows: 40}});
			const table = keymapFor(readonly);
			const footer = footerOf(frameOf(r));
			for (const b of table.filter(x => x.footer !== undefined && x.contexts.includes('deployments'))) {
				const hint = b.hint ?? {keys: b.keys, label: b.label};
				expect(footer, `${hint.keys} ${hint.label}`).toContain(`${hint.keys} ${hint.label}`);
			}
			const shown = footer.split('  ');
			expect(shown).toHaveLength(table.filter(x => x.footer !== undefined && x.contexts.includes('deployments')).length);
			// Those with a footer place (c on a deployment and x are in the help only: c names the lease's cosign in the footer).
			for (const b of KEYMAP.filter(x => x.dangerous && x.footer !== undefined)) {
				expect(footer.includes(`${b.keys} ${b.label}`)).toBe(!readonly && b.contexts.includes('deployments'));
			}
			await press(r, '?');
			const help = await waitForFrame(r, 'Keys');
			for (const b of table) expect(help, b.help).toContain(b.help.slice(0, 30));
			await press(r, KEY.esc);
			await waitForFrame(r, 'DEPLOYMENT');
			r.unmount();
		}
	});

	it('shows the keys of a dialog or of the filter while one is open', async () => {
		const {r} = await mount();
		await press(r, 'h');
		await waitForFrame(r, f => footerOf(f) === 'Enter submit  Esc cancel  Backspace erase');
		await press(r, KEY.esc, '/');
		await waitForFrame(r, f => footerOf(f) === 'Enter keep the filter  Esc clear it  Backspace erase');
	});
});

describe('a store that cannot be read', () => {
	it('says why and keeps the last good state on screen', async () => {
		const {r, store, fx} = await mount();
		const error = Object.assign(new Error('state.json: unexpected token at line 3, column 9; last good backup: state.json.bak'), {
			name: 'StoreError',
			code: 'CORRUPT',
		});
		store.read = async () => {
			throw error;
		};
		store.notify({state: true, audit: false, metrics: false});
		const frame = await waitForFrame(r, '✗ cannot read the store: store CORRUPT: state.json: unexpected token at line 3');
		expect(frame).toContain(fx.dep.running);
	});
});
