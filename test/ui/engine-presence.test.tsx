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

describe('the header names the process that leads when this console does not', () => {
	it('a follower says which pid on which box leads, and follows a takeover', async () => {
		const {r, store, engine} = await mount({props: {enginePollMs: 20}, size: {columns: 140, rows: 30}});
		expect(headerOf(frameOf(r))).toMatch(/engine leader you /);
		engine.become('follower');
		await waitForFrame(r, f => headerOf(f).includes('engine follower (leader: pid 4242 on ops-1) you human:alice'));
		store.leader = {pid: 77, host: 'ops-2'}; // the leader died; another box's engine took over
		await waitForFrame(r, f => headerOf(f).includes('engine follower (leader: pid 77 on ops-2) you'));
		store.leader = undefined;
		const none = await waitForFrame(r, f => headerOf(f).includes('engine none: canaries are not driven'));
		expect(headerOf(none)).not.toContain('leader:');
	});

	it('a watching console names it too; a host from the store is escaped, never written raw', async () => {
		const {r, store, engine} = await mount({props: {readonly: true, enginePollMs: 20}, size: {columns: 160, rows: 30}});
		store.leader = {pid: 9, host: 'ops-3\u001b]0;pwned\u0007\u001b[2J'};
		engine.become('follower');
		const shown = await waitForFrame(r, f => headerOf(f).includes('leader: pid 9 on ops-3'));
		expect(headerOf(shown)).toContain('engine watching (⊘ read-only) (leader: pid 9 on ops-3\\x1b]0;pwned\\x07\\x1b[2J) you');
		expect(shown).not.toMatch(/\u001b\]|\u0007|\u001b\[2J/);
	});
});
