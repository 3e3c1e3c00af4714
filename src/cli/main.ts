import {readFileSync} from 'node:fs';
import {CommanderError} from 'commander';
import type {Io} from './context.js';
import {buildProgram, exitCodeOf} from './program.js';

const io: Io = {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env};
const {version} = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string};

const argv = process.argv.slice(2);
// No command on a terminal opens the console; without one, there is nothing to show but help.
const args = argv.filter(a => a !== '--no-color').length === 0 && process.stdin.isTTY && process.stdout.isTTY ? ['ui', ...argv] : argv;

try {
	await buildProgram(io, version).parseAsync(args, {from: 'user'});
} catch (error) {
	if (error instanceof CommanderError) process.exitCode = exitCodeOf(error);
	else throw error;
}
