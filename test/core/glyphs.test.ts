import {describe, expect, it} from 'vitest';
import {asciiText, asciiWanted, charWidth, glyphsFor} from '../../src/core/view/glyphs.js';

const width = (s: string) => [...s].reduce((n, ch) => n + charWidth(ch), 0);

describe('ASCII or UTF-8: decided from the environment', () => {
	it.each([
		[{LANG: 'en_US.UTF-8'}, false],
		[{LANG: 'de_DE.utf8'}, false],
		[{LANG: 'C.UTF-8'}, false],
		[{LANG: 'C'}, true],
		[{LANG: 'POSIX'}, true],
		[{LANG: 'en_US.ISO-8859-1'}, true],
		// No locale at all (an SSH session to a box that sets none): the C locale.
		[{}, true],
		// POSIX precedence: LC_ALL over LC_CTYPE over LANG; an empty one counts as unset.
		[{LC_ALL: 'C', LANG: 'en_US.UTF-8'}, true],
		[{LC_ALL: 'en_US.UTF-8', LANG: 'C'}, false],
		[{LC_CTYPE: 'C', LANG: 'en_US.UTF-8'}, true],
		[{LC_ALL: 'C.UTF-8', LC_CTYPE: 'C'}, false],
		[{LC_ALL: '', LC_CTYPE: 'en_US.UTF-8', LANG: 'C'}, false],
		[{LC_ALL: '', LC_CTYPE: '', LANG: 'C'}, true],
		// The override wins both ways.
		[{CALYX_ASCII: '1', LANG: 'en_US.UTF-8'}, true],
		[{CALYX_ASCII: '0', LANG: 'C'}, false],
		[{CALYX_ASCII: '', LANG: 'C'}, true],
	])('%j draws ASCII: %s', (env, ascii) => {
		expect(glyphsFor(env)).toEqual({ascii});
		expect(asciiWanted(env)).toBe(ascii);
	});

	it('a CALYX_ASCII it does not know is named with the values allowed; output that cannot refuse follows the locale', () => {
		const d = glyphsFor({CALYX_ASCII: 'yes', LANG: 'C'});
		expect('problem' in d && d.problem).toBe('CALYX_ASCII: "yes" is not allowed (1: draw ASCII only, 0: draw UTF-8, unset: as the locale says)');
		expect(asciiWanted({CALYX_ASCII: 'yes', LANG: 'C'})).toBe(true);
		expect(asciiWanted({CALYX_ASCII: 'yes', LANG: 'C.UTF-8'})).toBe(false);
	});
});

describe('ASCII stand-ins', () => {
	it('draws every glyph calyx uses in one ASCII cell, so columns measured on the real text stay aligned', () => {
		const drawn = '1.4.0 → 1.5.0 · reading… ✓ ✗ ↺ ▲ ↑↓ ⚠ ⊘ ≠ Δ — [▁▂▃▄▅▆▇█] ¦‖ ┌─┬─┐│├┼┤└┴┘ ╭╮╰╯';
		const ascii = asciiText(drawn);
		expect(ascii).toBe("1.4.0 > 1.5.0 . reading~ + x < ^ ^v ! ! # d - [.:-=+*%#] :| +-+-+|++++++ ++++");
		expect(ascii.length).toBe(width(drawn));
	});

	it('text from outside keeps its width: ? per cell, a combining mark drops', () => {
		expect(asciiText('café 日本 e\u0301')).toBe('caf? ???? e');
		expect(asciiText('plain ASCII stays')).toBe('plain ASCII stays');
	});
});
