import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {CONTEXTS, footerHints, KEYMAP, keymapFor, lookup, type Chord} from '../../src/ui/keymap.js';
import {helpSections} from '../../src/ui/views/help-lines.js';

const NO_KEY: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

const press = (chord: Chord): [string, Key] =>
	'key' in chord ? ['', {...NO_KEY, [chord.key]: true, ...(chord.key === 'escape' ? {meta: true} : {})}] : [chord.input, {...NO_KEY, ctrl: chord.ctrl === true}];

describe('the keymap table', () => {
	it('dispatches every chord of every binding to that binding, in every context it names', () => {
		for (const b of KEYMAP) {
			for (const context of b.contexts) {
				for (const chord of b.chords) {
					const [input, key] = press(chord);
					expect(lookup(KEYMAP, context, input, key)?.action, `${b.keys} in ${context}`).toBe(b.action);
				}
			}
		}
	});

	it('binds no key twice within one context', () => {
		for (const context of CONTEXTS) {
			const seen = new Set<string>();
			for (const b of KEYMAP.filter(x => x.contexts.includes(context))) {
				for (const chord of b.chords) {
					const id = JSON.stringify(chord);
					expect(seen.has(id), `${id} in ${context}`).toBe(false);
					seen.add(id);
				}
			}
		}
	});

	it('keeps every dangerous action off A–D, O and [ (tails of split escape sequences) and off Alt', () => {
		for (const b of KEYMAP.filter(x => x.dangerous)) {
			for (const chord of b.chords) {
				expect('input' in chord && /^[A-DO[]$/.test(chord.input), b.keys).toBe(false);
				const [input] = press(chord);
				expect(lookup(KEYMAP, b.contexts[0]!, input, {...NO_KEY, meta: true}), `Alt+${b.keys}`).toBeUndefined();
			}
		}
	});

	it('removes every action in read-only mode and keeps everything else', () => {
		const ro = keymapFor(true);
		expect(ro.filter(b => b.dangerous)).toEqual([]);
		expect(ro.map(b => b.action)).toEqual(KEYMAP.filter(b => !b.dangerous).map(b => b.action));
		expect(keymapFor(false)).toBe(KEYMAP);
		const [input, key] = press({input: 'h'});
		expect(lookup(ro, 'deployments', input, key)).toBeUndefined();
	});

	it('lists every binding of the session in the help, and only those', () => {
		for (const readonly of [false, true]) {
			const table = keymapFor(readonly);
			const keys = helpSections(table).flatMap(s => s.entries.map(e => e.keys));
			expect(keys).toEqual(table.filter(b => b.group === 'navigate').concat(table.filter(b => b.group === 'act'), table.filter(b => b.group === 'view')).map(b => b.keys));
		}
	});

	it('builds the footer only from bindings that act in the context, within the width, help and quit always last', () => {
		for (const readonly of [false, true]) {
			const table = keymapFor(readonly);
			for (const context of CONTEXTS) {
				for (const width of [60, 80, 120, 200]) {
					const hints = footerHints(table, context, width);
					for (const h of hints) {
						const b = table.find(x => (x.hint ?? {keys: x.keys, label: x.label}).keys === h.keys);
						expect(b?.contexts, `${h.keys} in ${context}`).toContain(context);
					}
					expect(hints.slice(-2).map(h => h.label)).toEqual(['help', 'quit']);
					const text = hints.map(h => `${h.keys} ${h.label}`).join('  ');
					if (hints.length > 2) expect(text.length).toBeLessThanOrEqual(width);
				}
			}
		}
		expect(footerHints(KEYMAP, 'deployments', 200).map(h => h.label)).toEqual([
			'promote',
			'halt',
			'resume',
			'rollback',
			'force',
			'mark',
			'history',
			'detail',
			'filter',
			'pane',
			'back',
			'move',
			'help',
			'quit',
		]);
		expect(footerHints(keymapFor(true), 'deployments', 200).map(h => h.label)).not.toContain('halt');
	});
});

describe('the detail footer at 80 columns', () => {
	it('keeps Esc back, help and quit when the other hints do not fit', () => {
		const hints = footerHints(keymapFor(false), 'detail', 40).map(h => `${h.keys} ${h.label}`);
		expect(hints).toContain('Esc back');
		expect(hints.slice(-2)).toEqual(['? help', 'q quit']);
	});
});
