import {Text} from 'ink';
import {describe, expect, it} from 'vitest';
import type {Block} from '../../src/ui/model/blocks.js';
import {visibleBlocks} from '../../src/ui/model/blocks.js';
import {detailPatch, type DetailFrame} from '../../src/ui/model/live-detail.js';
import {fitText} from '../../src/ui/model/styled.js';

const text = (key: string, t: string): Block => ({key, height: 1, text: t});
const table = (key: string, cell: string): Block => ({key, height: 3, node: <Text>{`┌─┐\n│${cell}│\n└─┘`}</Text>});
const frame = (blocks: Block[], chrome = 'running 3', height = 10): DetailFrame => ({chrome, ...visibleBlocks(blocks, 0, height), keys: {}});

const shown = frame([text('summary', 'DEP-1 running'), text('cpu', 'cpu 40%'), table('signers', 'alice'), text('bake', 'bake 1m of 15m')]);

describe('the rows a live detail paints without ink', () => {
	it('are the text rows, at their lines under the tables between them, for the same screen with other figures', () => {
		const next = frame([text('summary', 'DEP-1 running'), text('cpu', 'cpu 41%'), table('signers', 'alice'), text('bake', 'bake 1m 1s of 15m')]);
		expect(detailPatch(shown, next, 3, 120)).toEqual(
			new Map([
				[3, 'DEP-1 running'],
				[4, 'cpu 41%'],
				[8, 'bake 1m 1s of 15m'],
			]),
		);
	});

	it('are cut to the width as ink cuts a row: an ellipsis in the last cell', () => {
		const next = frame([text('summary', 'DEP-1 running'), text('cpu', 'cpu 41% ▁▂▃▄▅▆▇█'), table('signers', 'alice'), text('bake', 'bake')]);
		expect(detailPatch(shown, next, 3, 10)?.get(4)).toBe('cpu 41% ▁…');
		expect(fitText('cpu 41%', 7)).toBe('cpu 41%');
	});

	it('are none when the screen changes shape: ink draws it', () => {
		const changes: Array<[string, DetailFrame]> = [
			['the header counts', frame([text('summary', 'DEP-1 running'), text('cpu', 'cpu 40%'), table('signers', 'alice'), text('bake', 'bake 1m of 15m')], 'running 2, halted 1')],
			['a row comes', frame([text('summary', 'DEP-1 running'), text('cpu', 'cpu 40%'), text('hold', 'hold since 10:00'), table('signers', 'alice'), text('bake', 'x')])],
			['a row goes', frame([text('summary', 'DEP-1 running'), table('signers', 'alice'), text('bake', 'x')])],
			['a table changes', frame([text('summary', 'DEP-1 running'), text('cpu', 'cpu 40%'), table('signers', 'bob'), text('bake', 'x')])],
			['more is cut off below', frame([text('summary', 'DEP-1 running'), text('cpu', 'cpu 40%'), table('signers', 'alice'), text('bake', 'x')], 'running 3', 5)],
		];
		for (const [what, next] of changes) expect(detailPatch(shown, next, 3, 120), what).toBeUndefined();
	});
});
