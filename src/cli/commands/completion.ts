import {Argument, type Command, type Option} from 'commander';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {ID_KINDS, type IdKind} from '../complete-ids.js';
import {SHELLS, scriptFor, type CommandSpec, type Kind, type Shell} from '../completion-scripts.js';

/**
 * `calyx completion bash|zsh|fish`: a completion script. Commands and flags are read from this
 * program as commander holds it when the script is printed, so a new command or flag is offered
 * without anyone keeping a list; ids are fetched on each Tab by `calyx __complete ids <kind>`
 * (complete-ids.ts), which answers without loading the program.
 */

/** Where a top-level command's plain `<id>` points: `canary halt <id>` takes a deployment. */
const ID_OF_GROUP: Record<string, IdKind> = {canary: 'deployment', rollback: 'deployment', intent: 'intent', lease: 'lease', keys: 'key', service: 'service'};
/** Values that name files and directories, by the name the flag or argument carries. */
const FILE_NAMES = /^(file|samples|witness|out|admin-out|request-out|signed)$/;

/** What a value is, from its name as the program spells it: `<leaseId>`, `--deployment`, `--admin-key`, `[id]`. */
function kindOfName(name: string, group: string): Kind {
	if (name === 'data') return 'dir';
	if (FILE_NAMES.test(name)) return 'file';
	const id = ID_KINDS.find(k => name.toLowerCase().startsWith(k) || name.toLowerCase().endsWith(`-${k}`));
	if (id) return id;
	if (name === 'id' || (name === 'name' && group === 'service')) return ID_OF_GROUP[group] ?? 'text';
	return 'text';
}

function optionKind(option: Option, group: string): Kind | undefined {
	if (!option.required && !option.optional) return undefined;
	if (option.argChoices) return {choices: option.argChoices};
	return kindOfName(option.attributeName().replace(/[A-Z]/g, c => `-${c.toLowerCase()}`), group);
}

/** Every visible command of the program by its path (`canary list`), the root as ''. */
export function commandSpecs(program: Command): CommandSpec[] {
	const specs: CommandSpec[] = [];
	const visit = (cmd: Command, path: string[]) => {
		const group = path[0] ?? '';
		const visible = cmd.commands.filter(sub => !(sub as unknown as {_hidden?: boolean})._hidden);
		specs.push({
			path: path.join(' '),
			subcommands: visible.map(sub => sub.name()),
			options: cmd.options
				.filter(o => !o.hidden && o.long)
				.map(o => ({flags: [o.long!, ...(o.short ? [o.short] : [])], value: optionKind(o, group)}))
				.concat([{flags: ['--help', '-h'], value: undefined}]),
			args: cmd.registeredArguments.map(a => (a.argChoices ? {choices: a.argChoices} : kindOfName(a.name(), group))),
		});
		for (const sub of visible) visit(sub, [...path, sub.name()]);
	};
	visit(program, []);
	return specs;
}

export function registerCompletion(program: Command, io: Io) {
	const completion = program
		.command('completion')
		.description('print a completion script for your shell: commands, flags, and the ids in the data directory (deployments, leases, intents, keys, services)')
		.addArgument(new Argument('<shell>', 'the shell the script is for').choices(SHELLS))
		.addHelpText(
			'after',
			'\nInstall:\n  bash  echo \'source <(calyx completion bash)\' >> ~/.bashrc\n  zsh   echo \'source <(calyx completion zsh)\' >> ~/.zshrc   (after compinit)\n  fish  calyx completion fish > ~/.config/fish/completions/calyx.fish\n',
		)
		.action(
			action(io, async (cli, [shell]) => {
				const script = scriptFor(shell as Shell, program.name(), commandSpecs(program));
				if (cli.json) cli.emit({shell, script}, () => '');
				else cli.out(script);
			}),
		);
	examples(completion, 'calyx completion bash > /etc/bash_completion.d/calyx', 'source <(calyx completion zsh)', 'calyx completion fish > ~/.config/fish/completions/calyx.fish');
}
