import type {Leadership} from './api.js';
import {engineFollowers as followersOf, followerMark} from './followers.js';
import {STALE_MS, tryLock, type Held} from './lock.js';
import {liveHolder} from './lock-owner.js';
import type {StorePaths} from './paths.js';

export interface LeadOptions {
	/** How often the leader refreshes its lock (and a follower retries). */
	heartbeatMs?: number;
	/** A lock not refreshed for this long is taken over. At least the write lock's, 5000 ms. */
	staleMs?: number;
}

const DEFAULT_STALE_MS = 10_000;

/** The process that leads the engine of this data directory now, if one does (see `lead`). */
export const engineLeader = (paths: StorePaths) => liveHolder(paths.leader, DEFAULT_STALE_MS);

/** How many engines wait to take over this data directory now (see followers.ts). */
export const engineFollowers = (paths: StorePaths) => followersOf(paths, DEFAULT_STALE_MS);

/**
 * Exactly one engine drives a data directory: the holder of `leader.lock`, which it keeps fresh
 * with a heartbeat. Everyone else is a follower that keeps trying, and becomes the leader once the
 * holder has released, died (its pid is gone) or been silent for the stale window (hung, or on
 * another host).
 */
export async function lead(paths: StorePaths, opts: LeadOptions = {}): Promise<Leadership> {
	const staleMs = Math.max(opts.staleMs ?? DEFAULT_STALE_MS, STALE_MS);
	const heartbeatMs = Math.min(Math.max(opts.heartbeatMs ?? staleMs / 2, 1000), staleMs / 2);
	const listeners = new Set<(role: 'leader' | 'follower') => void>();
	let role: 'leader' | 'follower' = 'follower';
	let held: Held | undefined;
	let retry: NodeJS.Timeout | undefined;
	let released = false;
	// A follower says so at every retry, so that a leader about to stop knows someone takes over.
	const mark = followerMark(paths);

	const become = (next: 'leader' | 'follower') => {
		if (role === next) return;
		role = next;
		for (const listener of [...listeners]) listener(next);
	};
	const tryLead = async () => {
		retry = undefined;
		if (released) return;
		const lock = await tryLock(paths.leader, {
			stale: staleMs,
			update: heartbeatMs,
			onLost: () => {
				// Our heartbeat stalled past the stale window and someone else may lead now.
				held = undefined;
				become('follower');
				schedule();
			},
		}).catch(() => undefined);
		if (!lock) {
			await mark.beat().catch(() => undefined);
			return schedule();
		}
		await mark.leave().catch(() => undefined);
		if (released) return void (await lock.release());
		held = lock;
		become('leader');
	};
	// A follower's retry keeps the process alive on purpose: `calyx engine` as follower must stay up to take over.
	const schedule = () => {
		if (!released && !retry) retry = setTimeout(() => void tryLead(), heartbeatMs);
	};

	await tryLead();
	return {
		get role() {
			return role;
		},
		onChange(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		async release() {
			released = true;
			if (retry) clearTimeout(retry);
			retry = undefined;
			const lock = held;
			held = undefined;
			await lock?.release();
			await mark.leave().catch(() => undefined);
			become('follower');
		},
	};
}
