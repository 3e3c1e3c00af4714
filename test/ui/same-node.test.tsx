import {Text} from 'ink';
import {describe, expect, it} from 'vitest';
import Line from '../../src/ui/components/Line.js';
import {sameNode} from '../../src/ui/components/same-node.js';
import Toned from '../../src/ui/components/Toned.js';

const row = (value: string, tone: 'ok' | 'warning' = 'ok') => (
	<Line>
		<Text color="gray">cpu </Text>
		<Toned tone={tone} bold>
			{value}
		</Toned>
		{[1, 2].map(i => (
			<Text key={i}>{i}</Text>
		))}
	</Line>
);

describe('rows found the same as in the frame before', () => {
	it('are the same when built again with the same text, tones and keys', () => {
		expect(sameNode(row('48.21%'), row('48.21%'))).toBe(true);
		expect(sameNode({counts: {running: 3}, target: 'simulated'}, {counts: {running: 3}, target: 'simulated'})).toBe(true);
	});

	it('differ in any text, prop, key, element type or number of children', () => {
		expect(sameNode(row('48.21%'), row('48.22%'))).toBe(false);
		expect(sameNode(row('48.21%'), row('48.21%', 'warning'))).toBe(false);
		expect(sameNode(<Text key="a">x</Text>, <Text key="b">x</Text>)).toBe(false);
		expect(sameNode(<Text>x</Text>, <Toned>x</Toned>)).toBe(false);
		expect(sameNode(<Text>{['a', 'b']}</Text>, <Text>{['a']}</Text>)).toBe(false);
		expect(sameNode({counts: {running: 3}}, {counts: {running: 3, halted: 1}})).toBe(false);
		expect(sameNode(['a'], {0: 'a'})).toBe(false);
		expect(sameNode({a: undefined}, {b: undefined})).toBe(false);
	});

	it('take a function prop as the same only when it is the same function', () => {
		const f = () => undefined;
		expect(sameNode({on: f}, {on: f})).toBe(true);
		expect(sameNode({on: f}, {on: () => undefined})).toBe(false);
	});
});
