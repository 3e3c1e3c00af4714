/** The HAProxy driver's settings and its rewrite of the configuration file (no HAProxy needed). */
import {mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {configWeights, withWeights, writeConfigWeights} from '../../src/drivers/targets/haproxy-config.js';
import {parseHaproxySettings} from '../../src/drivers/targets/haproxy.js';

const CONFIG = [
	'global',
	'  stats socket /run/haproxy/admin.sock mode 600 level admin',
	'backend other',
	'  server stable 10.0.0.9:80 weight 3',
	'backend app',
	'  balance roundrobin',
	'  server stable 10.0.0.1:8080 check weight 100 # production',
	'\tserver\tcanary\t10.0.0.2:8080\tcheck',
	'  server weight 10.0.0.3:8080 weight 1',
	'listen stats',
	'  bind :9000',
	'',
].join('\n');

describe('HAProxy configuration rewrite', () => {
	it('reads the weights of the named backend only; a server without one is unset', () => {
		expect(configWeights(CONFIG, 'app', ['stable', 'canary', 'weight'])).toEqual({stable: 100, canary: undefined, weight: 1});
		expect(configWeights(CONFIG, 'other', ['stable'])).toEqual({stable: 3});
	});

	it('changes only the numbers, keeps comments and indentation, adds a weight where there was none', () => {
		const next = withWeights(CONFIG, 'app', {stable: 75, canary: 25, weight: 2});
		expect(next.split('\n')).toEqual([
			...CONFIG.split('\n').slice(0, 6),
			'  server stable 10.0.0.1:8080 check weight 75 # production',
			'\tserver\tcanary\t10.0.0.2:8080\tcheck weight 25',
			'  server weight 10.0.0.3:8080 weight 2',
			...CONFIG.split('\n').slice(9),
		]);
		expect(withWeights(next, 'app', {stable: 75, canary: 25, weight: 2})).toBe(next);
	});

	it('keeps CRLF line endings and puts a new weight before a comment', () => {
		const crlf = 'backend app\r\n  server canary 10.0.0.2:80 # new\r\n  server stable 10.0.0.1:80 weight 9\r\n';
		expect(withWeights(crlf, 'app', {canary: 5, stable: 95})).toBe('backend app\r\n  server canary 10.0.0.2:80 weight 5 # new\r\n  server stable 10.0.0.1:80 weight 95\r\n');
	});

	it('finds a backend declared as a listen section', () => {
		expect(withWeights('listen app\n  bind :80\n  server canary 1.2.3.4:80 weight 0\n', 'app', {canary: 5})).toBe('listen app\n  bind :80\n  server canary 1.2.3.4:80 weight 5\n');
	});

	it('refuses a file that does not declare the backend or the server exactly once', () => {
		expect(() => withWeights(CONFIG, 'nope', {stable: 1})).toThrow('no "backend nope" (or "listen nope") section in the HAProxy configuration');
		expect(() => withWeights(CONFIG, 'app', {green: 1})).toThrow('no "server green" line in backend app of the HAProxy configuration');
		expect(() => withWeights('backend app\n server a 1:1\n server a 1:2\n', 'app', {a: 1})).toThrow('"server a" appears 2 times in backend app');
	});

	describe('on disk', () => {
		let dir: string;
		beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'calyx-hxc-'))));
		afterAll(() => rm(dir, {recursive: true, force: true}));

		it('replaces the file atomically, keeping its mode, and leaves an unchanged file untouched', async () => {
			const path = join(dir, 'haproxy.cfg');
			await writeFile(path, CONFIG, {mode: 0o640});
			await writeConfigWeights(path, 'app', {stable: 95, canary: 5});
			expect(configWeights(await readFile(path, 'utf8'), 'app', ['stable', 'canary'])).toEqual({stable: 95, canary: 5});
			const first = await stat(path);
			expect(first.mode & 0o777).toBe(0o640);
			await writeConfigWeights(path, 'app', {stable: 95, canary: 5});
			expect((await stat(path)).ino).toBe(first.ino);
			// No temp file left beside it.
			expect(await readdir(dir)).toEqual(['haproxy.cfg']);
		});

		it('names the file when it cannot be read or lacks the backend', async () => {
			await expect(writeConfigWeights(join(dir, 'missing.cfg'), 'app', {stable: 1})).rejects.toMatchObject({code: 'io', message: expect.stringMatching(/^rewriting .*missing\.cfg: ENOENT/)});
			await writeFile(join(dir, 'empty.cfg'), 'global\n');
			await expect(writeConfigWeights(join(dir, 'empty.cfg'), 'app', {stable: 1})).rejects.toMatchObject({
				code: 'io',
				message: `${join(dir, 'empty.cfg')}: no "backend app" (or "listen app") section in the HAProxy configuration`,
			});
		});
	});
});

describe('HAProxy settings', () => {
	const good = {kind: 'haproxy', socket: '/run/haproxy/admin.sock', backend: 'app', servers: {stable: 'blue', canary: 'green'}, config: '/etc/haproxy/haproxy.cfg'};

	it('accepts plain names and absolute paths, with a default timeout', () => {
		expect(parseHaproxySettings(good)).toEqual({...good, timeoutMs: 2000});
	});

	it.each([
		[{backend: 'app; show info'}, 'haproxy settings: backend: must be a plain name of 1–64 characters: letters, digits, "_", ".", ":", "-" (no spaces, no control characters)'],
		[{servers: {stable: 'blue', canary: 'gr\neen'}}, 'haproxy settings: servers.canary: must be a plain name'],
		[{servers: {stable: 'blue', canary: 'blue'}}, 'haproxy settings: servers: stable and canary must name two different servers'],
		[{socket: 'admin.sock'}, 'haproxy settings: socket: must be an absolute path'],
		[{socket: `/${'s'.repeat(120)}`}, 'haproxy settings: socket: is longer than the 107 bytes a UNIX socket path may have'],
		[{config: '/etc/haproxy/\u001b[31m.cfg'}, 'haproxy settings: config: must not contain a control character'],
		[{timeoutMs: 5}, 'haproxy settings: timeoutMs: must be at least 10 ms'],
		[{extra: 1}, 'haproxy settings: (settings): Unrecognized key: "extra"'],
	])('refuses %j, naming the field', (change, message) => {
		expect(() => parseHaproxySettings({...good, ...change})).toThrow(message);
	});
});
