import {randomBytes} from 'node:crypto';
import {lstat, mkdir, readdir, rm, stat, utimes} from 'node:fs/promises';
import {hostname} from 'node:os';
import {join} from 'node:path';
import {alive} from './lock-owner.js';
import type {StorePaths} from './paths.js';
import {openData, readData, unsafeFile} from './safe-fs.js';

/**
 * The engines waiting to take over from the leader. The leader lock says who leads, not who would
 * follow; a leader about to stop (a console quitting) must say whether its canaries stay driven.
 * So each follower keeps a heartbeat file of its own, rewritten at every retry and removed once
 * it leads or stops; a file not rewritten within the stale window (or whose process is gone) no
 * longer counts.
 */
export interface FollowerMark {
	/** Says again that this process waits to take over. */
	beat(): Promise<void>;
	/** Says it no longer waits (it leads now, or stopped). */
	leave(): Promise<void>;
}

export function followerMark(paths: StorePaths): FollowerMark {
	const file = join(paths.followers, `${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}`);
	const owner = JSON.stringify({pid: process.pid, host: hostname()});
	return {
		async beat() {
			// In a shared directory the folder itself could be a planted link: only a real one is written in.
			await mkdir(paths.followers, {recursive: true, mode: 0o700});
			if (!(await lstat(paths.followers)).isDirectory()) throw unsafeFile(paths.followers, 'is not a directory');
			const now = new Date();
			try {
				await utimes(file, now, now);
			} catch {
				const fh = await openData(file, 'create');
				await fh.writeFile(owner).finally(() => fh.close());
			}
		},
		leave: () => rm(file, {force: true}),
	};
}

async function waiting(file: string, staleMs: number): Promise<boolean> {
	try {
		if (Date.now() - (await stat(file)).mtimeMs > staleMs) return false;
		const {pid, host} = JSON.parse((await readData(file)).toString('utf8')) as {pid: number; host: string};
		return host !== hostname() || alive(pid);
	} catch {
		return false;
	}
}

/** How many followers wait now, by their heartbeat files. */
export async function engineFollowers(paths: StorePaths, staleMs: number): Promise<number> {
	const names = await readdir(paths.followers).catch(() => [] as string[]);
	const fresh = await Promise.all(names.map(n => waiting(join(paths.followers, n), staleMs)));
	return fresh.filter(Boolean).length;
}
