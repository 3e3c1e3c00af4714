import type {Command} from 'commander';
import {parseDuration} from '../../core/duration.js';
import {escapeControls, safeJson} from '../../core/text.js';
import type {Config} from '../../core/model/index.js';
import {configLeaves} from '../../core/view/config-diff.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {usage} from '../errors.js';
import {text as freeText} from '../parse.js';
import {registerConfigApply} from './config-apply.js';
import {adoptedLine, adoptFor, afterChange, RECORD_DRIFT_FLAG, RECORD_DRIFT_HELP} from '../config-drift.js';

/** Settings that may be absent, so that `config set` can name them before they exist. */
const OPTIONAL = ['timeZone', 'plan.tierKeys', 'risk.plans.low.keysFrom', 'risk.plans.medium.keysFrom', 'risk.plans.high.keysFrom', 'notify', 'notify.deadlineNearMs'];

const settable = (config: Config) => [...new Set([...configLeaves(config).map(([p]) => p), ...OPTIONAL])].sort();

/** A notification sink, whole or one of its fields: named by the operator, so not in any list beforehand. */
const SINK_PATH = /^notify\.sinks\.[A-Za-z][A-Za-z0-9_-]{0,31}(\.[A-Za-z]+)*$/;
const isSettable = (config: Config, path: string) => SINK_PATH.test(path) || settable(config).includes(path);
const isRemovable = (path: string) => OPTIONAL.includes(path) || /^notify\.sinks\.[^.]+$/.test(path);

/** A value as typed: JSON where it parses (numbers, true, [5,25,100]), a duration for a `…Ms` setting, else the text. */
function valueOf(path: string, text: string): unknown {
	if (path.endsWith('Ms')) {
		const ms = parseDuration(text);
		if (ms !== undefined) return ms;
	}
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

/** The config with one setting replaced (or removed); the engine validates the whole of it. */
function withSetting(config: Config, path: string, value: unknown): Config {
	const next = structuredClone(config) as unknown as Record<string, unknown>;
	const keys = path.split('.');
	let at = next;
	// A sink's first setting makes `notify` and its `sinks` as it goes; the schema then judges the whole.
	for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
	if (value === undefined) delete at[keys.at(-1)!];
	else at[keys.at(-1)!] = value;
	return next as unknown as Config;
}

export function registerConfig(program: Command, io: Io) {
	const config = program.command('config').description('the data directory\'s settings: default plan, risk policy and the plans each risk demands, time zone, notification sinks');

	const show = config
		.command('show')
		.description('every setting with its value')
		.action(
			action(io, async cli => {
				const current = (await (await cli.store()).read()).config;
				// A setting's name is the document's text (one edited by hand can hold a newline): escaped like its value.
				cli.emit(current, () => configLeaves(current).map(([path, value]) => `${escapeControls(path).padEnd(32)} ${safeJson(value)}`).join('\n'));
			}),
		);
	examples(show, 'calyx config show', 'calyx config show --json | jq .risk.plans');

	const set = config
		.command('set <path> <value>')
		.description('change one setting (audited as config.changed); durations for …Ms settings as 15m, 30s')
		.option('--reason <text>', 'why (recorded with config.changed)', freeText('text'))
		.option(RECORD_DRIFT_FLAG, RECORD_DRIFT_HELP)
		.action(
			action<{reason?: string; recordDrift?: boolean}>(io, async (cli, [path, text], o) => {
				const store = await cli.store();
				const current = (await store.read()).config;
				const allowed = settable(current);
				if (!isSettable(current, path!)) throw usage(`path: "${path}" is not a setting (allowed: ${allowed.join(', ')}, notify.sinks.<name>)`, 'UNKNOWN_SETTING');
				const {result, events} = await cli.run<Config>({type: 'config.set', config: withSetting(current, path!, valueOf(path!, text!)), adopt: adoptFor(o.recordDrift, path), ...(o.reason ? {reason: o.reason} : {})});
				// A sink is an object: its value is shown whole, as it now stands.
				const now = path!.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], result);
				const drift = await afterChange(cli, store, events);
				cli.emit({ok: true, path, value: now, ...drift}, shown => [`${path} = ${safeJson(now)}`, adoptedLine(shown.adopted)].filter(Boolean).join('\n'));
			}),
		);
	examples(
		set,
		'calyx config set timeZone Europe/Berlin',
		'calyx config set risk.plans.high.minBakeMs 30m --reason "CHG-4411: longer bakes for the holidays"',
		'calyx config set plan.tiers "[10,50,100]"',
		`calyx config set notify.sinks.ops '{"kind":"slack","url":{"env":"CALYX_SLACK_URL"},"events":["halted","rollback_failed","awaiting_cosign"],"minSeverity":"warning"}'`,
		'calyx config set notify.sinks.ops.minSeverity critical',
	);

	const unset = config
		.command('unset <path>')
		.description(`remove an optional setting (${OPTIONAL.join(', ')})`)
		.option('--reason <text>', 'why (recorded with config.changed)', freeText('text'))
		.option(RECORD_DRIFT_FLAG, RECORD_DRIFT_HELP)
		.action(
			action<{reason?: string; recordDrift?: boolean}>(io, async (cli, [path], o) => {
				if (!isRemovable(path!)) throw usage(`path: "${path}" cannot be removed (allowed: ${OPTIONAL.join(', ')}, notify.sinks.<name>)`, 'UNKNOWN_SETTING');
				const store = await cli.store();
				const {events} = await cli.run<Config>({type: 'config.set', config: withSetting((await store.read()).config, path!, undefined), adopt: adoptFor(o.recordDrift, path), ...(o.reason ? {reason: o.reason} : {})});
				const drift = await afterChange(cli, store, events);
				cli.emit({ok: true, path, ...drift}, shown => [`${path} removed`, adoptedLine(shown.adopted)].filter(Boolean).join('\n'));
			}),
		);
	examples(unset, 'calyx config unset timeZone', 'calyx config unset notify.sinks.ops');

	registerConfigApply(config, io);
}
