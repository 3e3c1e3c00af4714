import type {Hint} from '../keymap.js';
import type {ConsoleState} from '../model/console-state.js';
import {isScrolled} from '../model/dialog-scroll.js';

/**
 * Keys of the modes that take text or a confirmation. These belong to the dialog, the filter and
 * the help themselves, not to the keymap table (which holds what a key does on the screen).
 */
export function modeHints(ui: Pick<ConsoleState, 'dialog' | 'filtering' | 'help' | 'quitting'>): Hint[] | undefined {
	if (ui.quitting) return [{keys: 'y Enter', label: 'quit'}, {keys: 'any other key', label: 'stays'}];
	const d = ui.dialog;
	if (d) {
		if (d.submitting) return [{keys: 'Ctrl-C', label: 'quit'}];
		// The cosign dialog scrolls through what is signed before its y is taken (dialog-scroll.ts).
		const scroll: Hint[] = isScrolled(d) && d.input === '' ? [{keys: '↑↓/jk PgUp/PgDn', label: 'scroll'}] : [];
		if (d.step === 'confirm') return [...scroll, {keys: 'y Enter', label: 'confirm'}, {keys: 'any other key', label: 'cancels'}];
		return [{keys: 'Enter', label: d.step === 'typeId' ? 'check the id' : 'submit'}, {keys: 'Esc', label: 'cancel'}, {keys: 'Backspace', label: 'erase'}];
	}
	if (ui.filtering) return [{keys: 'Enter', label: 'keep the filter'}, {keys: 'Esc', label: 'clear it'}, {keys: 'Backspace', label: 'erase'}];
	if (ui.help) return [{keys: 'Esc/?', label: 'close'}, {keys: 'q', label: 'quit'}];
	return undefined;
}
