/**
 * A service definition file, read and checked before any admin signs it: YAML or JSON, then the
 * engine's schema (core/model/service.ts), then each driver's own settings schema, then what can be
 * checked on this machine (the socket exists and is one, the hook is executable and only its owner
 * can change it). Any failure is a usage error (exit 2) naming the field and what is allowed, and
 * nothing is signed or written. Loaded only by `calyx service`: the drivers and the YAML parser
 * stay out of every other command's start-up.
 */
import {readFileSync, statSync, type Stats} from 'node:fs';
import {dirname, extname} from 'node:path';
import {parse as parseYaml} from 'yaml';
import type {z} from 'zod';
import {CustomMetric, MetricCheck, MetricsSpec, PrometheusSource} from '../core/model/metrics-source.js';
import {METRICS} from '../core/model/metrics.js';
import {ServiceDefinition, type SanityEntry} from '../core/model/service.js';
import {escapeControls} from '../core/text.js';
import {ExecSettings, hookProblem} from '../drivers/targets/exec.js';
import {HaproxySettings} from '../drivers/targets/haproxy.js';
import {HttpCheck, SanityCheck} from '../drivers/targets/sanity.js';
import {usage} from './errors.js';

/** A definition is a page of settings: a file past this is a mistake (a log, a binary). */
const MAX_FILE_BYTES = 256 * 1024;

type Issue = z.core.$ZodIssue;
type Path = ReadonlyArray<PropertyKey>;

/** `target.servers.canary`, `sanity[0].check.url`, from a zod path under a prefix. */
export const fieldOf = (prefix: string, path: Path) =>
	path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), prefix) || '(definition)';

/** The fields each object of a definition allows, by where it is: for "unknown field (allowed: …)". */
function allowedAt(prefix: string, path: Path, kind?: string): readonly string[] | undefined {
	const where = fieldOf(prefix, path).replace(/\[\d+\]/g, '[]');
	if (where === '(definition)') return ['name', 'target', 'sanity', 'metrics'];
	if (where === 'sanity[]') return ['tiers', 'check'];
	if (where === 'target') return kind === 'haproxy' ? Object.keys(HaproxySettings.shape) : kind === 'exec' ? Object.keys(ExecSettings.shape) : ['kind'];
	if (where === 'target.servers') return ['stable', 'canary'];
	if (where === 'sanity[].check') return kind === 'http' ? Object.keys(HttpCheck.shape) : Object.keys(ExecSettings.shape);
	if (where === 'metrics') return Object.keys(MetricsSpec.shape);
	if (where === 'metrics.prometheus') return Object.keys(PrometheusSource.shape);
	if (where === 'metrics.checks') return METRICS;
	if (/^metrics\.checks\.\w+$/.test(where)) return Object.keys(MetricCheck.shape);
	if (where === 'metrics.custom[]') return Object.keys(CustomMetric.shape);
	return undefined;
}

/** One zod issue as a person reads it: the field, what is wrong, and what is allowed where that helps. */
function issueText(issue: Issue, prefix: string, kind?: string): string {
	if (issue.code === 'unrecognized_keys') {
		const allowed = allowedAt(prefix, issue.path, kind);
		return `${fieldOf(prefix, [...issue.path, issue.keys[0]!])}: unknown field${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`;
	}
	// A record's bad key says only "Invalid key in record"; the key schema's own words are nested.
	const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
	const message = (inner ?? issue.message).replace(/^Invalid input: expected (\w+), received undefined$/, 'is required ($1)');
	return `${fieldOf(prefix, issue.path)}: ${message}`;
}

function firstProblem<S extends z.ZodType>(schema: S, value: unknown, prefix: string, kind?: string): {data: z.output<S>} | {problem: string} {
	const parsed = schema.safeParse(value);
	if (parsed.success) return {data: parsed.data};
	// A mistyped field explains the required one reported missing: name the typo first.
	const issues = parsed.error.issues;
	return {problem: issueText(issues.find(i => i.code === 'unrecognized_keys') ?? issues[0]!, prefix, kind)};
}

/** The file's text as data: JSON when it says .json, else YAML (of which JSON is a subset). */
export function readDefinitionFile(path: string): unknown {
	let text: string;
	try {
		if (statSync(path).size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES / 1024} KB`);
		text = readFileSync(path, 'utf8');
	} catch (error) {
		throw usage(`-f: cannot read ${path}: ${(error as Error).message}`);
	}
	try {
		if (extname(path).toLowerCase() === '.json') return JSON.parse(text);
		// One document; a key given twice is a mistake, not "the last one wins"; aliases bounded.
		return parseYaml(text, {uniqueKeys: true, maxAliasCount: 100, prettyErrors: true});
	} catch (error) {
		const format = extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML';
		throw usage(`${path}: not valid ${format}: ${escapeControls((error as Error).message.split('\n')[0]!)}`, 'INVALID_DEFINITION');
	}
}

const targetSchemas = {haproxy: HaproxySettings, exec: ExecSettings} as const;

/**
 * The definition as the engine will hold it, or a usage error naming the first wrong field. The
 * drivers' parsers fill their defaults (timeouts, `shell: false`): what the admins sign is what runs.
 * `outcome` ends the error with what the refusal left undone.
 */
export function checkDefinition(raw: unknown, source: string, outcome = NOTHING_REGISTERED): ServiceDefinition {
	const invalidDefinition = (at: string, problem: string) => invalid(at, problem, outcome);
	const kind = (raw as {target?: {kind?: unknown}} | null)?.target?.kind;
	const core = firstProblem(ServiceDefinition, raw, '', typeof kind === 'string' ? kind : undefined);
	if ('problem' in core) throw invalidDefinition(source, core.problem);
	const definition = core.data;
	let target = definition.target;
	if (target.kind !== 'simulated') {
		const driver = firstProblem(targetSchemas[target.kind], target, 'target', target.kind);
		if ('problem' in driver) throw invalidDefinition(source, driver.problem);
		target = driver.data as typeof target;
	}
	const sanity = (definition.sanity ?? []).map((entry, i): SanityEntry => {
		const prefix = `sanity[${i}].check`;
		const checkKind = entry.check.kind;
		if (checkKind !== 'http' && checkKind !== 'exec') throw invalidDefinition(source, `${prefix}.kind: "${escapeControls(checkKind)}" is not one of http, exec`);
		const check = firstProblem(SanityCheck, entry.check, prefix, checkKind);
		if ('problem' in check) throw invalidDefinition(source, check.problem);
		return {...entry, check: check.data};
	});
	const normal = {...definition, target, ...(definition.sanity ? {sanity} : {})};
	// The defaults added must still fit the engine's bounds.
	const again = firstProblem(ServiceDefinition, normal, '');
	if ('problem' in again) throw invalidDefinition(source, again.problem);
	return again.data;
}

/** What a refused definition left undone, the last words of the error: `service apply` registers, `service check` only asks. */
const NOTHING_REGISTERED = 'nothing was registered';
const invalid = (source: string, problem: string, outcome: string) => usage(`${source}: ${escapeControls(problem)}; ${outcome}`, 'INVALID_DEFINITION');
const invalidDefinition = (source: string, problem: string) => invalid(source, problem, NOTHING_REGISTERED);

const statOf = (path: string): Stats | undefined => {
	try {
		return statSync(path);
	} catch {
		return undefined;
	}
};

/** A program someone else could rewrite would run as whoever leads the engine: refused like a writable trust file. */
function writableByOthers(path: string): string | undefined {
	for (const p of [path, dirname(path)]) {
		const st = statOf(p);
		// A sticky directory (/tmp) lets others add files, not replace this one.
		if (st && (st.mode & 0o022) !== 0 && !(st.isDirectory() && (st.mode & 0o1000) !== 0)) {
			return `${p} is writable by its group or others (mode ${(st.mode & 0o777).toString(8)}): whoever can write it decides what the engine runs; run chmod go-w ${p}`;
		}
	}
	return undefined;
}

async function commandProblem(settings: ExecSettings, field: string): Promise<string | undefined> {
	const missing = await hookProblem(settings);
	if (missing) return `${field}.${missing}`;
	const program = settings.command[0]!;
	if (!settings.shell && program.startsWith('/')) {
		if (!statOf(program)?.isFile()) return `${field}.command[0]: ${program} is not a file`;
		const writable = writableByOthers(program);
		if (writable) return `${field}.command[0]: ${writable}`;
	}
	if (settings.cwd && !statOf(settings.cwd)?.isDirectory()) return `${field}.cwd: ${settings.cwd} is not a directory`;
	return undefined;
}

/**
 * What can be checked where `service apply` runs (the engine's machine, as a rule): the HAProxy
 * socket exists and is a socket, its config is a file; a hook's program is executable, found, and
 * not writable by others. Checked again when a signed request is applied.
 */
export async function checkHere(definition: ServiceDefinition, source: string): Promise<void> {
	const t = definition.target as Record<string, unknown>;
	let problem: string | undefined;
	if (t.kind === 'haproxy') {
		const {socket, config} = t as {socket: string; config?: string};
		// A stats socket over TCP (ipv4@…) is on HAProxy's box: service check asks it, not the file system.
		const st = /^ipv[46]@/.test(socket) ? undefined : statOf(socket);
		if (!/^ipv[46]@/.test(socket) && !st) problem = `target.socket: ${socket} does not exist (HAProxy's admin socket: stats socket ${socket} mode 600 level admin)`;
		else if (st && !st.isSocket()) problem = `target.socket: ${socket} is not a socket`;
		else if (config !== undefined && !statOf(config)?.isFile()) problem = `target.config: ${config} is not a file`;
	} else if (t.kind === 'exec') {
		problem = await commandProblem(t as unknown as ExecSettings, 'target');
	}
	for (const [i, entry] of (definition.sanity ?? []).entries()) {
		if (problem) break;
		if (entry.check.kind === 'exec') problem = await commandProblem(entry.check as unknown as ExecSettings, `sanity[${i}].check`);
	}
	if (problem) throw invalidDefinition(source, problem);
}

