import {describe, expect, it} from 'vitest';
import type {DeploymentSummary} from '../../src/core/view/summary.js';
import {renderList} from '../../src/cli/render/list.js';
import {painter} from '../../src/cli/render/table.js';
import {paintedText, terminalText} from '../../src/cli/render/terminal.js';
import {PAYLOADS} from '../untrusted.js';

// The painter's codes, and nothing else: what a coloured printer may send.
const OWN_SGR = /\u001b\[(?:0|1|3[1-6]|90)m/g;

const summary = (extra: Partial<DeploymentSummary>): DeploymentSummary => ({
	id: 'DEP-20261126-001',
	service: 'checkout',
	from: '1.4.0',
	to: '1.5.0',
	status: 'halted',
	percent: 25,
	tierIndex: 1,
	tiers: [5, 25, 100],
	worst: 'critical',
	createdAt: '2026-11-26T10:00:00.000Z',
	updatedAt: '2026-11-26T10:05:00.000Z',
	...extra,
});

describe('the last guard before a terminal', () => {
	it('terminalText keeps the lines and writes every other control character out', () => {
		expect(terminalText(`a${PAYLOADS.clear}\nb${PAYLOADS.c1}\n`)).toBe('a\\x1b[2J\nb\\u009b31m\n');
	});

	it('paintedText keeps colour codes and writes every other sequence out (data is escaped before painting)', () => {
		const paint = painter(true);
		const out = paintedText(`${paint('red', 'halted')} ${PAYLOADS.title} ${PAYLOADS.clipboard} ${PAYLOADS.clear} ${PAYLOADS.c1}`);
		expect(out).toBe('\u001b[31mhalted\u001b[0m \\x1b]0;pwned\\x07 \\x1b]52;c;ZXZpbA==\\x07 \\x1b[2J \\u009b31m');
	});

	it('canary list in colour: data escaped before the columns are measured, only the status painted', () => {
		const list = {rev: 3, deployments: [summary({service: `svc${PAYLOADS.fakeHalt}`}), summary({id: 'DEP-20261126-002', status: 'running'})]};
		const out = paintedText(renderList(list, {json: false, color: true}));
		expect(out.match(OWN_SGR)).toHaveLength(4);
		const [header, first, second] = out.replace(OWN_SGR, '').split('\n');
		expect(first!.indexOf('halted')).toBe(header!.indexOf('STATUS'));
		expect(second!.indexOf('running')).toBe(header!.indexOf('STATUS'));
		expect(first).toContain('svc\\x1b[31mHALTED\\x1b[0m');
	});
});
