import {Command, CommanderError} from 'commander';
import {EXIT, EXIT_HELP} from './errors.js';
import {count} from './parse.js';
import {drawnFor, terminalText} from './render/terminal.js';
import {escapeControls} from '../core/text.js';
import type {Io} from './context.js';
import {registerInit} from './commands/init.js';
import {registerDemo} from './commands/demo.js';
import {registerKeys} from './commands/keys.js';
import {registerService} from './commands/service.js';
import {registerTrust} from './commands/trust.js';
import {registerIntent} from './commands/intent.js';
import {registerRisk} from './commands/risk.js';
import {registerConfig} from './commands/config.js';
import {registerHistory} from './commands/history.js';
import {registerLease} from './commands/lease.js';
import {registerCanary} from './commands/canary.js';
import {registerRollback} from './commands/rollback.js';
import {registerMetrics} from './commands/metrics.js';
import {registerMonitor} from './commands/monitor.js';
import {registerEngine} from './commands/engine.js';
import {registerAudit} from './commands/audit.js';
import {registerRepair} from './commands/repair.js';
import {registerStore} from './commands/store.js';
import {registerUi} from './commands/ui.js';
import {registerPlan} from './commands/plan.js';
import {registerCompletion} from './commands/completion.js';

/**
 * Commander's own output. Its error messages quote the argument that was refused, raw: one line
 * each, so a newline in the argument is written out too, and cannot start a line of its own.
 */
const output = (io: Io) => ({
	writeOut: (s: string) => io.stdout.write(drawnFor(io.env, terminalText(s))),
	writeErr: (s: string) => io.stderr.write(drawnFor(io.env, terminalText(s))),
	outputError: (s: string, write: (s: string) => void) => write(`${escapeControls(s.replace(/\n$/, ''))}\n`),
});

export function buildProgram(io: Io, version: string): Command {
	const program = new Command('calyx')
		.description('Governed canary deployments: two-key leases, tiered canaries, health gates, verified rollbacks.')
		.version(version, '-V, --version', 'print the version (with --json: {"version": "…"})')
		.option('--data <dir>', 'data directory (env: CALYX_DATA, default: ./data)')
		.option('--store <url>', 'an etcd store instead of the data directory: etcd://host:port[,host:port…][/name], etcds:// for TLS (env: CALYX_STORE)')
		.option('--json', 'print exactly one JSON document on stdout')
		.option('--no-color', 'no colour (also NO_COLOR)')
		.option('--expect-rev <n>', 'act only if the state is still at this revision (else exit 3)', count())
		.showHelpAfterError('(add --help for additional information)')
		.exitOverride()
		.configureOutput(output(io))
		.addHelpText(
			'after',
			`\nWith no command on a terminal, calyx opens the console (same as \`calyx ui\`); \`calyx --readonly\` opens it read-only.\n\n${EXIT_HELP}\n\nEnvironment:\n  CALYX_DATA      data directory\n  CALYX_STORE     an etcd store instead (etcd://h1:2379,h2:2379,h3:2379[/name]); TLS: CALYX_ETCD_CA, CALYX_ETCD_CERT, CALYX_ETCD_KEY; auth: CALYX_ETCD_USER, CALYX_ETCD_PASSWORD\n  CALYX_KEY       the key to sign with (an id under ~/.config/calyx/keys, or a path)\n  CALYX_READONLY  1: the console shows but never acts\n  NO_COLOR        no colour\n`,
		);
	for (const register of [
		registerInit,
		registerDemo,
		registerTrust,
		registerKeys,
		registerService,
		registerIntent,
		registerRisk,
		registerConfig,
		registerHistory,
		registerLease,
		registerPlan,
		registerCanary,
		registerRollback,
		registerMetrics,
		registerMonitor,
		registerEngine,
		registerAudit,
		registerRepair,
		registerStore,
		registerUi,
		registerCompletion,
	]) {
		register(program, io);
	}
	// Every subcommand inherits the output routing and the usage-error behaviour.
	const inherit = (cmd: Command) => {
		for (const sub of cmd.commands) {
			sub.exitOverride().configureOutput(output(io));
			sub.showHelpAfterError('(add --help for additional information)');
			inherit(sub);
		}
	};
	inherit(program);
	return program;
}

/** Commander reports usage errors with exit 1; the contract says 2. Help and version stay 0. */
export function exitCodeOf(error: CommanderError): number {
	if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
	if (error.code === 'commander.help') return EXIT.usage;
	return error.code.startsWith('commander.') ? EXIT.usage : error.exitCode;
}
