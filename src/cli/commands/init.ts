import type {Command} from 'commander';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {usage} from '../errors.js';

export function registerInit(program: Command, io: Io) {
	const cmd = program
		.command('init')
		.description('create the data directory with the default config (idempotent); private to you unless --group shares it')
		.option('--group <name>', 'share the directory with a Unix group: setgid, group-writable files, nothing for others')
		.action(
			action(io, async (cli, _args, opts: {group?: string}) => {
				const {initStore} = await import('../../store/index.js');
				const {groupId} = await import('../../store/safe-fs.js');
				const group = opts.group === undefined ? undefined : await groupId(opts.group);
				if (opts.group !== undefined && group === undefined) throw usage(`--group: unknown group ${JSON.stringify(opts.group)}: a group name from /etc/group or a numeric group id`);
				const {created, store} = await initStore(cli.dataDir, group === undefined ? {} : {group});
				await store.close();
				cli.emit({ok: true, dataDir: cli.dataDir, created}, () =>
					created ? `initialised ${cli.dataDir}` : `${cli.dataDir} is already initialised; nothing changed`,
				);
			}),
		);
	examples(cmd, 'calyx init', 'calyx --data /srv/calyx init --group ops');
}
