import {testSigners} from '../trust.js';
import {describe, expect, it} from 'vitest';
import {escapeControls, type AuditEvent, type State} from '../../src/core/index.js';
import {maxOffset} from '../../src/ui/model/blocks.js';
import {openDialog, stepDialog} from '../../src/ui/model/dialog.js';
import {screenModel} from '../../src/ui/model/screen.js';
import {shownEvents} from '../../src/ui/model/shown.js';
import {wrapRows} from '../../src/ui/model/wrap.js';
import {eventBlocks, eventRows} from '../../src/ui/views/AuditEventView.js';
import {HOSTILE, RAW_CONTROL} from '../untrusted.js';
import {buildFixture} from './helpers/fixture.js';

const key = (extra: Record<string, boolean> = {}) => ({return: false, escape: false, ctrl: false, meta: false, backspace: false, delete: false, ...extra}) as never;

const event = (reason: string): AuditEvent =>
	({seq: 7, at: '2026-11-26T10:00:00.000Z', actor: HOSTILE, kind: 'deployment.halted', subject: 'DEP-20261126-001', reason, data: {note: HOSTILE}, hash: 'f'.repeat(64), prevHash: '0'.repeat(64), rev: 3}) as unknown as AuditEvent;

describe('what the console draws from', () => {
	const fx = buildFixture({fillers: 0});

	it('the screen model escapes the deployment and lease views, computed from the state as stored', () => {
		const dep = fx.state.deployments.find(d => d.id === fx.dep.halted)!;
		const planted = {...dep, toVersion: HOSTILE, halt: {...dep.halt!, reason: 'r'.repeat(1_000_000), actor: HOSTILE}};
		const state: State = {...fx.state, deployments: fx.state.deployments.map(d => (d.id === dep.id ? planted : d))};
		const ui = {cursor: {deployments: {id: dep.id, index: 0, top: 0}, leases: {index: 0, top: 0}, audit: {index: 0, top: 0}, intents: {index: 0, top: 0}}, filter: {deployments: '', leases: '', audit: '', intents: ''}};
		const model = screenModel(state, ui, fx.clock.now(), [], 'human', testSigners().trust);
		const view = model.selectedDeployment!;
		expect(view.to).toBe(escapeControls(HOSTILE));
		expect(view.halt!.actor).toBe(escapeControls(HOSTILE));
		expect(view.halt!.reason.length).toBeLessThan(5000);
		const json = JSON.stringify([view, model.leases]);
		expect(json).not.toContain('\\u001b');
		expect(json).not.toMatch(RAW_CONTROL);
		// A clean lease still verifies on screen as it does in the store.
		expect(model.leases.map(l => l.status)).toEqual(screenModel(fx.state, ui, fx.clock.now(), [], 'human', testSigners().trust).leases.map(l => l.status));
	});

	it('shownEvents cuts a megabyte of reason before anything measures it', () => {
		const [e] = shownEvents([event('r'.repeat(1_000_000))]);
		expect(e!.reason.length).toBeLessThan(5000);
		expect(e!.actor).not.toMatch(RAW_CONTROL);
	});
});

describe('the audit event view', () => {
	it('wraps at a space near the edge, cuts a word longer than a row', () => {
		expect(wrapRows('one two three four', 9)).toEqual(['one two', 'three', 'four']);
		expect(wrapRows('x'.repeat(12), 5)).toEqual(['xxxxx', 'xxxxx', 'xx']);
		expect(wrapRows('a\nb', 5)).toEqual(['a', 'b']);
	});

	it('is one row per wrapped line, so a long reason scrolls to its end', () => {
		const [e] = shownEvents([event(`${'a long reason '.repeat(1000)}END`)]);
		const blocks = eventBlocks(e!, 80);
		expect(blocks.length).toBeGreaterThan(40);
		expect(blocks.every(b => b.height === 1)).toBe(true);
		expect(maxOffset(blocks, eventRows(20))).toBe(blocks.length - eventRows(20));
	});
});

describe('typed text in a dialog', () => {
	it('drops control characters from a paste and stops at the engine\'s limit', () => {
		let d = openDialog('halt', 'DEP-20261126-001', 0);
		const typed = (input: string) => {
			const step = stepDialog(d, input, key(), 10_000);
			if ('dialog' in step) d = step.dialog;
		};
		typed(`ok${HOSTILE}`);
		expect(d.input).not.toMatch(RAW_CONTROL);
		expect(d.input.startsWith('ok]0;pwned')).toBe(true);
		typed('x'.repeat(5000));
		expect(d.input.length).toBe(2000);
	});
});
