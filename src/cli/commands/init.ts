import {existsSync} from 'node:fs';
import type {Command} from 'commander';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {CliError, toCliError, usage} from '../errors.js';

/**
 * The trust every later command opens the store under, read before anything is created: a trust
 * that fails to load would fail the store's open after the directory and its state were written,
 * leaving a data directory nothing can use.
 */
async function trustFirst(cli: Cli) {
	try {
		return cli.trust;
	} catch (error) {
		const e = toCliError(error);
		const {trustSource} = await import('../../store/trust.js');
		const source = trustSource(cli.io.env);
		const message =
			source.explicit && !existsSync(source.path)
				? `trust file ${source.path} (CALYX_TRUST) does not exist: make one with calyx trust init --out ${source.path}, or set CALYX_TRUST=demo for your own demo trust (not for production)`
				: e.message;
		throw new CliError(`${message}; nothing was created`, e.exitCode, e.code);
	}
}

export function registerInit(program: Command, io: Io) {
	const cmd = program
		.command('init')
		.description('create the store with the default config (idempotent): the data directory, private to you unless --group shares it, or the etcd store --store names')
		.option('--group <name>', 'share the directory with a Unix group: setgid, group-writable files, nothing for others')
		.action(
			action(io, async (cli, _args, opts: {group?: string}) => {
				const {groupId} = await import('../../store/safe-fs.js');
				const group = opts.group === undefined ? undefined : await groupId(opts.group);
				if (opts.group !== undefined && group === undefined) throw usage(`--group: unknown group ${JSON.stringify(opts.group)}: a group name from /etc/group or a numeric group id`);
				const trust = await trustFirst(cli);
				const {created, store} = await cli.initStore({trust, ...(group === undefined ? {} : {group})});
				try {
					// Already there: said initialised only if it reads (a damaged state is reported with its path, as by any command).
					if (!created) await store.read();
				} finally {
					await store.close();
				}
				const where = await cli.storeLabel();
				cli.emit({ok: true, ...((await cli.etcdTarget()) ? {store: where} : {dataDir: where}), created}, () =>
					created ? `initialised ${where}` : `${where} is already initialised; nothing changed`,
				);
			}),
		);
	examples(cmd, 'calyx init', 'calyx --data /srv/calyx init --group ops', 'calyx --store etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379 init', 'CALYX_TRUST=/etc/calyx/trust.json calyx init   # the trust must exist first (calyx trust init)');
}
