import type {Command} from 'commander';
import {Cli, type GlobalOptions, type Io} from './context.js';
import {toCliError} from './errors.js';
import {safeJson} from '../core/text.js';

export type Handler<O> = (cli: Cli, args: string[], opts: O) => Promise<number | void>;

/**
 * Reports an error the way the exit-code contract promises: stderr always, a JSON document under
 * --json. Messages echo what was sent or stored: `err` writes their control characters out visibly.
 */
export function report(cli: Cli, error: unknown): number {
	const e = toCliError(error);
	cli.err(`calyx: ${e.message}`);
	for (const r of e.reasons) cli.err(`  - ${r.code}: ${r.message}`);
	if (cli.json) cli.out(safeJson({ok: false, error: {code: e.code, message: e.message, reasons: e.reasons, exitCode: e.exitCode}}, 2));
	return e.exitCode;
}

/** Wraps a command's handler: builds its context, maps errors to exit codes, closes the store. */
export function action<O>(io: Io, handler: Handler<O>) {
	return async (...params: unknown[]) => {
		const command = params[params.length - 1] as Command;
		const opts = command.opts() as O;
		const cli = new Cli(command.optsWithGlobals() as GlobalOptions, io);
		const args = params.slice(0, -2) as string[];
		try {
			const code = await handler(cli, args, opts);
			process.exitCode = code ?? 0;
		} catch (error) {
			process.exitCode = report(cli, error);
		} finally {
			await cli.close();
		}
	};
}

/** Adds the example block every command's --help ends with. */
export const examples = (command: Command, ...lines: string[]) =>
	command.addHelpText('after', `\nExamples:\n${lines.map(l => `  $ ${l}`).join('\n')}\n`);
