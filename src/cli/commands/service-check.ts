/**
 * `calyx service check`: the dry run an operator wants before asking for two keys. Every query of a
 * definition's Prometheus source (the one in force, or a file before it is applied) is asked once,
 * and each value or error printed: a typo in PromQL, a label that matches nothing, a query that
 * divides by no traffic, all found here instead of by the first poll of a live canary.
 *
 * As a script's gate: an error (bad PromQL, no answer, several series, a value out of range) fails
 * it; no data does not, since before a canary its version serves nothing and its queries can have
 * none. It is printed as NO DATA with the reason (a label matching nothing reads the same way), and
 * --strict fails on it for a service whose canary already takes traffic.
 *
 * With an etcd store any box's engine may lead and drive the target, so each field only this box
 * reaches (service-reach.ts) is a warning too, by the same rule: printed, and a failure under
 * --strict. A definition without a Prometheus source has that alone to check there.
 */
import {InvalidArgumentError, type Command} from 'commander';
import {definitionDigest, serviceRecordOf, serviceVerdict} from '../../core/index.js';
import {renderQuery} from '../../core/metrics-work.js';
import {ACTIVE} from '../../core/engine/transitions.js';
import type {ServiceDefinition, State} from '../../core/model/index.js';
import type {CheckedMetric, CheckReport} from '../../drivers/metrics/check.js';
import type {QueryAnswer} from '../../drivers/metrics/prometheus.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {EXIT, refusedError, usage} from '../errors.js';
import {SERVICE_NAME, SERVICE_NAME_RULE, text} from '../parse.js';
import {painter, type Paint} from '../render/table.js';
import {boxLocalFields, type BoxLocal} from './service-reach.js';

type CheckOpts = {file?: string; canary?: string; stable?: string; strict?: boolean};

/** A version from a flag: held to the rule the engine renders queries by (it goes inside a PromQL string). */
function version(value: string): string {
	const v = text('version')(value);
	const rendered = renderQuery('{{v}}', {v}, new Set(['v']));
	if ('problem' in rendered) throw new InvalidArgumentError(`${rendered.problem.split(': ').slice(1).join(': ')}.`);
	return v;
}

interface Versions {
	canary?: string;
	stable?: string;
	/** Where the versions not given as flags came from. */
	from?: string;
}

/** The live deployment's versions, else the service's latest intent's: what the next poll or canary would use. */
function versionsOf(state: State | undefined, service: string): Versions {
	const live = state?.deployments.filter(d => d.service === service && ACTIVE.includes(d.status)).at(-1);
	if (live) return {canary: live.toVersion, stable: live.fromVersion, from: `the live deployment ${live.id}`};
	const intent = state?.intents.filter(i => i.service === service).sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1);
	if (intent) return {canary: intent.toVersion, stable: intent.fromVersion, from: `the latest intent ${intent.id}`};
	return {};
}

/** The state when there is one: a file can be checked where nothing was ever initialised. */
async function stateIfAny(cli: Cli): Promise<State | undefined> {
	try {
		return await (await cli.store()).read();
	} catch (error) {
		if ((error as {code?: string}).code === 'NOT_INITIALISED') return undefined;
		throw error;
	}
}

interface Checked {
	definition: ServiceDefinition;
	source: {kind: 'in force'; digest: string} | {kind: 'file'; file: string; digest: string};
	state?: State;
}

async function definitionToCheck(cli: Cli, name: string | undefined, o: CheckOpts): Promise<Checked> {
	if (o.file) {
		const {checkDefinition, readDefinitionFile} = await import('../service-file.js');
		const definition = checkDefinition(readDefinitionFile(o.file), o.file, 'no query was asked');
		if (name && name !== definition.name) throw usage(`name: ${name} is not the service ${o.file} defines (${definition.name}): give one, or the same`);
		return {definition, source: {kind: 'file', file: o.file, digest: definitionDigest(definition)}};
	}
	const state = await (await cli.store()).read();
	const record = serviceRecordOf(state, name!);
	if (!record) throw usage(`name: no definition for service ${name} (see calyx service list; check a file before it is applied with -f)`, 'NOT_FOUND');
	const verdict = serviceVerdict(cli.trust, record);
	// An address edited into the document would be sent the source's headers (credentials): not asked.
	if (!verdict.ok) throw refusedError(`${verdict.reason.message}; its queries are not run (check the definition file with -f)`, 'UNTRUSTED_SERVICE');
	return {definition: record.definition, source: {kind: 'in force', digest: record.digest}, state};
}

const fmt = (n: number) => `${Number(n.toPrecision(6))}`;

function resultText(m: CheckedMetric, paint: Paint): string {
	const a = m.answer;
	if (!a.ok) return a.kind === 'no_data' ? paint('yellow', `NO DATA: ${a.message}`) : paint('red', `ERROR: ${a.message}`);
	const value = `${fmt(a.value)}${m.unit}`;
	const sides = m.sides && m.sides.canary.ok && m.sides.stable.ok ? ` (canary ${fmt(m.sides.canary.value)}, stable ${fmt(m.sides.stable.value)})` : '';
	return m.sides ? `Δ ${value}${sides}` : value;
}

const sideText = (a: QueryAnswer) => (a.ok ? fmt(a.value) : `${a.kind === 'no_data' ? 'no data' : 'error'}: ${a.message}`);

function queryLines(m: CheckedMetric): string[] {
	if (m.query !== undefined) return [`    query:  ${m.query}`];
	if (m.canary !== undefined) {
		const s = m.sides;
		return [`    canary: ${m.canary}${s ? `  → ${sideText(s.canary)}` : ''}`, `    stable: ${m.stable}${s ? `  → ${sideText(s.stable)}` : ''}`];
	}
	// Not rendered (a variable without a value): the template, as the definition writes it.
	return Object.entries(m.templates).map(([k, t]) => `    ${`${k}:`.padEnd(7)} ${t} (template)`);
}

/** Whether any box may lead (an etcd store), and the fields only this one reaches: said whatever the queries answer. */
interface Reach {
	anyBoxMayLead: boolean;
	boxLocal: BoxLocal[];
}

type Shown = CheckReport & Reach & {ok: boolean; strict: boolean; service: string; definition: Checked['source']; address: string; versions: Versions; answered: number; noData: number; failed: number};

/** A definition without a Prometheus source, on an etcd store: only what every box reaches is checked. */
type ReachShown = Reach & {ok: boolean; strict: boolean; service: string; definition: Checked['source']; queries: string};

async function reachOf(cli: Cli, definition: ServiceDefinition): Promise<Reach> {
	const anyBoxMayLead = (await cli.etcdTarget()) !== undefined;
	return {anyBoxMayLead, boxLocal: anyBoxMayLead ? boxLocalFields(definition, cli.io.env.HOME) : []};
}

function reachLines(r: Reach & {strict: boolean}, paint: Paint): string[] {
	if (r.boxLocal.length === 0) return r.anyBoxMayLead ? ['nothing in this definition is tied to this box (an etcd store: any box may lead)'] : [];
	const verdict = r.strict ? paint('red', 'a failure under --strict') : 'not a failure here (--strict makes it one)';
	return [
		...r.boxLocal.map(b => paint('yellow', `warning: ${b.field}: ${b.message}`)),
		`${r.boxLocal.length} field${r.boxLocal.length === 1 ? '' : 's'} reached from this box only (${r.boxLocal.map(b => b.field).join(', ')}); ${verdict}`,
	];
}

const whereText = (source: Checked['source']) =>
	source.kind === 'file' ? `${source.file} (not applied; digest ${source.digest.slice(0, 12)})` : `definition in force ${source.digest.slice(0, 12)}`;

/**
 * Said when a query had no data: before a canary the canary's version serves nothing, so its
 * queries have none, and that is not a mistake in the definition. What no data does during a
 * canary is each metric's policy: it holds the gate, unless the metric says `noData: fail`.
 */
function noDataLine(r: Shown, paint: Paint): string {
	const without = r.metrics.filter(m => !m.answer.ok && m.answer.kind === 'no_data');
	const failing = without.filter(m => m.noData === 'fail').map(m => m.label);
	const during = `during a canary no data holds the gate${failing.length > 0 ? ` (for ${failing.join(', ')}: counts as a critical reading, noData: fail)` : ''}`;
	const verdict = r.strict ? paint('red', 'a failure under --strict') : 'not a failure here (--strict makes it one)';
	return `${r.noData} of ${r.metrics.length} had no data (${without.map(m => m.label).join(', ')}): expected before the canary takes traffic; ${during}; ${verdict}`;
}

function render(r: Shown, paint: Paint): string {
	const where = whereText(r.definition);
	const versions = r.versions.canary ?? r.versions.stable ? `canary ${r.versions.canary ?? '-'}, stable ${r.versions.stable ?? '-'}${r.versions.from ? ` (from ${r.versions.from})` : ''}` : 'none named';
	const width = Math.max(...r.metrics.map(m => m.label.length));
	return [
		`service ${r.service}: ${where}`,
		`source:   ${r.prometheus.ok ? r.prometheus.detail : paint('red', `PROMETHEUS DID NOT ANSWER: ${r.prometheus.message}`)}`,
		`versions: ${versions}; window ${r.window}`,
		...r.metrics.flatMap(m => [`  ${m.label.padEnd(width)}  ${resultText(m, paint)}`, ...queryLines(m)]),
		`${r.answered} of ${r.metrics.length} answered a value${r.noData ? `; ${r.noData} without data` : ''}${r.failed ? `; ${r.failed} failed` : ''}`,
		...(r.noData > 0 ? [noDataLine(r, paint)] : []),
		...reachLines(r, paint),
	].join('\n');
}

export function registerCheck(service: Command, io: Io) {
	const cmd = service
		.command('check [name]')
		.description(
			'ask every query of a service\'s Prometheus source once and print each value, NO DATA or ERROR: the dry run before asking for two keys. ' +
				'Exit 0 when every query answered a value or no data (before a canary its version serves no traffic: no data is expected, and during a canary it holds the gate), ' +
				'1 when any query errs (bad PromQL, Prometheus unreachable, several series, a value out of range), or has no data under --strict. ' +
				'With an etcd store (any box may lead) it also names each field only this box reaches (a UNIX socket, a hook under a home directory, a loopback address): a warning, exit 1 under --strict; ' +
				'a definition without a Prometheus source is then checked for that alone',
		)
		.option('-f, --file <file>', 'check this definition file (YAML or JSON) before it is applied, instead of the definition in force')
		.option('--canary <version>', 'the version {{canary}} stands for (default: the live deployment\'s, else the service\'s latest intent\'s)', version)
		.option('--stable <version>', 'the version {{stable}} stands for (default: as --canary)', version)
		.option('--strict', 'no data fails the check too (exit 1): for a service whose canary already takes traffic; so does a field only this box reaches, with an etcd store')
		.action(
			action<CheckOpts>(io, async (cli, [name], o) => {
				if (name === undefined && !o.file) throw usage('name: give the service whose definition in force to check, or -f <file> for a definition not yet applied');
				if (name !== undefined && !SERVICE_NAME.test(name)) throw usage(`name: ${SERVICE_NAME_RULE}`);
				const checked = await definitionToCheck(cli, name, o);
				const {definition} = checked;
				const {checkQueries, isPrometheus, versionsNamed} = await import('../../drivers/metrics/check.js');
				const spec = definition.metrics;
				const reach = await reachOf(cli, definition);
				const strict = o.strict === true;
				const reachOk = !strict || reach.boxLocal.length === 0;
				if (!isPrometheus(spec)) {
					const where = checked.source.kind === 'file' ? checked.source.file : `service ${definition.name}'s definition in force`;
					const why = `${spec ? `metrics.source is ${spec.source}` : 'no metrics source'}: only a prometheus source has queries to check`;
					if (!reach.anyBoxMayLead) throw usage(`${where}: ${why}`, 'NO_PROMETHEUS');
					const shown: ReachShown = {ok: reachOk, strict, service: definition.name, definition: checked.source, queries: why, ...reach};
					cli.emit(shown, r => [`service ${r.service}: ${whereText(r.definition)}`, `queries:  none: ${r.queries}`, ...reachLines(r, painter(cli.color))].join('\n'), {painted: true});
					return shown.ok ? EXIT.ok : EXIT.refused;
				}
				const named = versionsNamed(spec);
				let versions: Versions = {...(o.canary ? {canary: o.canary} : {}), ...(o.stable ? {stable: o.stable} : {})};
				const lacking = (['canary', 'stable'] as const).filter(v => named[v] && versions[v] === undefined);
				if (lacking.length > 0) {
					const known = versionsOf(checked.state ?? (await stateIfAny(cli)), definition.name);
					versions = {canary: versions.canary ?? known.canary, stable: versions.stable ?? known.stable, ...(known.from ? {from: known.from} : {})};
					if (lacking.some(v => versions[v] === undefined)) {
						throw usage(`${lacking.map(v => `--${v}`).join(' and ')}: the queries name ${lacking.map(v => `{{${v}}}`).join(' and ')}, and service ${definition.name} has no live deployment or intent to take the versions from: give them`);
					}
				}
				versions = Object.fromEntries(Object.entries(versions).filter(([, v]) => v !== undefined)) as Versions;
				const report = await checkQueries(spec, {service: definition.name, versions});
				const count = (f: (m: CheckedMetric) => boolean) => report.metrics.filter(f).length;
				const answered = count(m => m.answer.ok);
				const noData = count(m => !m.answer.ok && m.answer.kind === 'no_data');
				const failed = count(m => !m.answer.ok && m.answer.kind === 'error');
				const shown: Shown = {
					// An error is a mistake to fix before the canary; no data is what a canary without traffic answers.
					ok: report.prometheus.ok && failed === 0 && (!strict || noData === 0) && reachOk,
					strict,
					service: definition.name,
					definition: checked.source,
					address: spec.prometheus.address,
					versions,
					...report,
					answered,
					noData,
					failed,
					...reach,
				};
				cli.emit(shown, r => render(r, painter(cli.color)), {painted: true});
				return shown.ok ? EXIT.ok : EXIT.refused;
			}),
		);
	examples(
		cmd,
		'calyx service check checkout',
		'calyx service check -f checkout.yaml --canary 1.5.0 --stable 1.4.0',
		'calyx service check checkout --strict   # during a canary: no data fails too',
		'CALYX_STORE=etcd://10.0.0.1:2379/prod calyx service check checkout   # also: what only this box reaches',
		'calyx service check checkout --json | jq \'.metrics[] | select(.answer.ok | not)\'',
	);
}
