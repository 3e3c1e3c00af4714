import type {Command} from 'commander';
import type {z} from 'zod';
import {Config} from '../../core/model/index.js';
import {escapeControls, safeJson} from '../../core/text.js';
import {configChanges, type ConfigChange} from '../../core/view/config-diff.js';
import {adoptedLine, adoptFor, afterChange, RECORD_DRIFT_FLAG, RECORD_DRIFT_HELP, wouldChange} from '../config-drift.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {CliError, EXIT, usage} from '../errors.js';
import {text} from '../parse.js';
import {fieldOf, readDefinitionFile} from '../service-file.js';

/**
 * `calyx config apply -f config.yaml`: the whole configuration from a file (YAML or JSON, as
 * `config show --json` prints it), checked against the engine's schema before anything is
 * written, shown as the settings it changes, and recorded with its reason as one config.changed.
 */

type Schema = z.core.$ZodType;
type Def = {type: string; innerType?: Schema; shape?: Record<string, Schema>; valueType?: Schema; element?: Schema; in?: Schema};

/** The schema under its wrappers (optional, default, nullable): what a value at that place must be. */
function bare(schema: Schema): Def {
	let def = (schema as unknown as {_zod: {def: Def}})._zod.def;
	while (def.innerType && ['optional', 'default', 'nullable', 'readonly', 'prefault'].includes(def.type)) def = (def.innerType as unknown as {_zod: {def: Def}})._zod.def;
	return def;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Fields the schema does not know. The engine's config objects drop them silently (older files
 * still load), but in a file written by hand an unknown field is a typo whose setting would
 * quietly keep its old value.
 */
function unknownFields(schema: Schema, value: unknown, path: PropertyKey[] = []): string[] {
	const def = bare(schema);
	if (def.type === 'object' && def.shape && isRecord(value)) {
		const shape = def.shape;
		return Object.entries(value).flatMap(([key, v]) =>
			key in shape ? unknownFields(shape[key]!, v, [...path, key]) : [`${field([...path, key])}: unknown field (allowed: ${Object.keys(shape).join(', ')})`],
		);
	}
	if (def.type === 'record' && def.valueType && isRecord(value)) return Object.entries(value).flatMap(([key, v]) => unknownFields(def.valueType!, v, [...path, key]));
	if (def.type === 'array' && def.element && Array.isArray(value)) return value.flatMap((v, i) => unknownFields(def.element!, v, [...path, i]));
	return [];
}

const field = (path: ReadonlyArray<PropertyKey>) => fieldOf('config', path.map(p => (typeof p === 'symbol' ? String(p) : p)));

function issueText(issue: z.core.$ZodIssue): string {
	if (issue.code === 'unrecognized_keys') return issue.keys.map(key => `${field([...issue.path, key])}: unknown field`).join('\n');
	const message = issue.message.replace(/^Invalid input: expected (\w+), received undefined$/, 'is required ($1)');
	return `${field(issue.path)}: ${message}`;
}

/** The configuration the file holds, as the engine will hold it (defaults filled), or every problem with it. */
export function checkConfigFile(raw: unknown, source: string): Config {
	const parsed = Config.safeParse(raw);
	const unknown = unknownFields(Config, raw);
	// A strict object's own report of a field named above (with what it allows) says less: left out.
	const named = (issue: z.core.$ZodIssue) => issue.code === 'unrecognized_keys' && issue.keys.every(key => unknown.some(u => u.startsWith(`${field([...issue.path, key])}:`)));
	const problems = [...new Set([...unknown, ...(parsed.success ? [] : parsed.error.issues.filter(i => !named(i)).map(issueText))])];
	if (problems.length > 0) {
		const lines = problems.map(p => escapeControls(p));
		const count = `${lines.length} problem${lines.length === 1 ? '' : 's'}`;
		throw new CliError(`${escapeControls(source)}: not a valid configuration (${count}); nothing was written`, EXIT.usage, 'INVALID_CONFIG', lines.map(message => ({code: 'INVALID_CONFIG', message})));
	}
	return parsed.data!;
}

const shown = (v: unknown) => (v === undefined ? '(unset)' : safeJson(v));
const changeLine = (c: ConfigChange) => `  ${c.path}: ${shown(c.from)} → ${shown(c.to)}`;

/** Under `config`, beside show, set and unset (commands/config.ts). */
export function registerConfigApply(config: Command, io: Io) {
	const apply = config
		.command('apply')
		.description('replace the whole configuration with a file (YAML or JSON, as `config show --json` prints it): checked first, shown as the settings it changes, audited as config.changed with the reason')
		.requiredOption('-f, --file <path>', 'the configuration file (.json is read as JSON, anything else as YAML)')
		.option('--reason <text>', 'why (recorded in the audit trail; required unless --dry-run)', text('text'))
		.option('--dry-run', 'check the file and show what would change; write nothing')
		.option(RECORD_DRIFT_FLAG, RECORD_DRIFT_HELP)
		.action(
			action<{file: string; reason?: string; dryRun?: boolean; recordDrift?: boolean}>(io, async (cli, _args, o) => {
				const next = checkConfigFile(readDefinitionFile(o.file), o.file);
				if (!o.dryRun && !o.reason) throw usage('--reason: required to change the configuration (recorded in the audit trail); --dry-run shows the change without one');
				const store = await cli.store();
				const state = await store.read();
				const changes = configChanges(state.config, next);
				const report = (applied: boolean) => ({ok: true, dryRun: o.dryRun === true, applied, changes});
				const drift = (await store.checkedTrust()).configDrift;
				// With --record-drift, a file that changes nothing still records the settings edited by hand, if there are any.
				if (changes.length === 0 && !(o.recordDrift && drift)) return cli.emit(report(false), () => 'no setting changes: nothing written');
				const said = (r: ReturnType<typeof report> & {adopted?: string[]}, would: boolean) => {
					const n = r.changes.length;
					const head = n > 0 ? `${would ? 'would change' : 'changed'} ${n} setting${n === 1 ? '' : 's'} ${would ? '(dry run: nothing written)' : '(audited as config.changed)'}` : '';
					const adopted = adoptedLine(r.adopted, would);
					return [head, ...r.changes.map(changeLine), adopted && would && !head ? `${adopted} (dry run: nothing written)` : adopted].filter(Boolean).join('\n');
				};
				if (o.dryRun) return cli.emit({...report(false), ...wouldChange(cli, drift, state.config, next, adoptFor(o.recordDrift))}, r => said(r, true));
				// Against the revision the change was worked out on: if someone changed it since, exit 3, and the diff shown is never a stale one.
				const {events} = await cli.run({type: 'config.set', config: next, reason: o.reason!, expectedRev: state.rev, adopt: adoptFor(o.recordDrift)});
				cli.emit({...report(true), ...(await afterChange(cli, store, events))}, r => said(r, false));
			}),
		);
	examples(
		apply,
		'calyx config show --json > config.json && $EDITOR config.json && calyx config apply -f config.json --dry-run',
		'calyx config apply -f config.yaml --reason "CHG-4411: longer bakes for the holidays"',
	);
}
