import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {frameOf, waitForFrame} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

const headerOf = (frame: string) => frame.split('\n')[0] ?? '';

describe('the header says whether anyone drives the canaries', () => {
	it('warns in a watching console when no process leads the engine, and stops warning when one does', async () => {
		const {r, store, engine} = await mount({props: {readonly: true, enginePollMs: 20}});
		engine.become('follower'); // a read-only console never leads (the CLI gives it a watch-only engine)
		expect(headerOf(frameOf(r))).toMatch(/engine watching/);
		store.leader = undefined; // the leading console was closed
		const warned = await waitForFrame(r, f => headerOf(f).includes('engine none: canaries are not driven'));
		expect(headerOf(warned).match(/read-only/g)).toHaveLength(1);
		store.leader = {pid: 99, host: 'ops-1'}; // `calyx engine` started
		await waitForFrame(r, f => /engine watching/.test(headerOf(f)));
	});

	it('warns a follower too, and a leader never asks: it drives the engine itself', async () => {
		const follower = await mount({props: {enginePollMs: 20}});
		follower.engine.become('follower');
		follower.store.leader = undefined;
		await waitForFrame(follower.r, f => headerOf(f).includes('engine none'));
		follower.engine.become('leader');
		const led = await waitForFrame(follower.r, f => /engine leader/.test(headerOf(f)));
		expect(headerOf(led)).not.toContain('none');
	});
});
