import {checksum} from './canonical.js';
import {DEFAULT_CONFIG, type Config} from './model/index.js';
import {displayText, safeJson} from './text.js';
import type {ConfigDrift} from './trust.js';
import {configChanges, configLeaves} from './view/config-diff.js';

/**
 * The configuration as the audit trail last recorded it: each `config.changed` carries a digest of
 * every setting it left in force, and the event that binds a data directory to its trust those of
 * the configuration it found. Digests, not values: the trail goes to notification sinks, and a
 * setting may name one's address. `audit verify` compares the document's with the last record: a
 * setting edited in state.json by hand, which no event recorded, is a difference.
 */
export interface ConfigRecord {
	seq: number;
	settings: Readonly<Record<string, string>>;
}

const digestOf = (value: unknown) => checksum(value ?? null).slice(0, 16);

/** Each setting by its dotted path, as a short digest of its value. */
export const settingDigests = (config: unknown): Record<string, string> => Object.fromEntries(configLeaves(config).map(([path, value]) => [path, digestOf(value)]));

const isDigests = (v: unknown): v is Record<string, string> =>
	v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(d => typeof d === 'string');

/** The record an event carries, if any (an older calyx's `config.changed` named the settings only). */
export function configRecordOf(event: {seq: number; kind: string; data?: Record<string, unknown>}): ConfigRecord | undefined {
	if (event.kind !== 'config.changed' && event.kind !== 'store.trust_bound') return undefined;
	const settings = event.data?.settings;
	return isDigests(settings) ? {seq: event.seq, settings} : undefined;
}

/** The last record in these events, in the trail's order: a binding event after the first is not the store's binding, and does not count. */
export function lastConfigRecord(events: ReadonlyArray<{seq: number; kind: string; data?: Record<string, unknown>}>): ConfigRecord | undefined {
	let record: ConfigRecord | undefined;
	let bound = false;
	for (const event of events) {
		if (event.kind === 'store.trust_bound' && bound) continue;
		bound ||= event.kind === 'store.trust_bound';
		record = configRecordOf(event) ?? record;
	}
	return record;
}

const DEFAULTS = new Map(configLeaves(DEFAULT_CONFIG).map(([path, value]) => [path, digestOf(value)]));
// The record is anyone's text (an event appended by hand): bounded and escaped, as the document's values.
const shown = (text: string) => displayText(text, 200);

/** The document's configuration against the trail's last record of it, for `audit verify` (no record yet: nothing compared). */
export const configAgainst = (record: ConfigRecord | undefined, config: Config) =>
	record ? {recorded: record.seq, differences: configDifferences(record, config)} : {differences: [] as Array<{setting: string; problem: string}>};

/** Each setting (its path as written: a record is anyone's text) where the configuration is not as the record has it, and why. */
function differing(record: ConfigRecord, config: Config): Array<{path: string; problem: string}> {
	const out: Array<{path: string; problem: string}> = [];
	const since = `(audit seq ${record.seq}): changed with no config.changed (edited by hand?)`;
	const present = new Set<string>();
	for (const [path, value] of configLeaves(config)) {
		present.add(path);
		const digest = digestOf(value);
		const recorded = Object.hasOwn(record.settings, path) ? record.settings[path] : undefined;
		if (recorded === digest || (recorded === undefined && DEFAULTS.get(path) === digest)) continue;
		const what = recorded === undefined ? 'which the trail\'s record does not have' : 'not the value the trail recorded';
		out.push({path, problem: `the document holds ${shown(safeJson(value))}, ${what} ${since}`});
	}
	for (const path of Object.keys(record.settings)) {
		if (!present.has(path)) out.push({path, problem: `the trail recorded a value, the document holds none ${since}`});
	}
	return out;
}

/**
 * Each setting of the document's configuration that is not as the trail recorded it. One the
 * record does not have that holds this version's default came with a newer schema: no difference.
 */
export const configDifferences = (record: ConfigRecord, config: Config): Array<{setting: string; problem: string}> =>
	differing(record, config).map(d => ({setting: shown(d.path), problem: d.problem}));

/**
 * What a `config.changed` records, from `before` (the document's) to `after`. A setting edited by
 * hand is recorded as it now stands only when this change sets it, or adopts it by name (`adopt`,
 * or every one with 'drifted'): an unrelated change keeps the trail's record of it, and with it the
 * drift, rather than recording a hand edit as if calyx had made it.
 */
export function settingsToRecord(drift: ConfigDrift | undefined, before: Config, after: Config, adopt: readonly string[] | 'drifted' = []) {
	const settings = settingDigests(after);
	const adopted: string[] = [];
	if (!drift) return {settings, adopted};
	const record = {seq: drift.recorded, settings: drift.settings};
	const set = new Set(configChanges(before, after).map(c => c.path));
	const still = new Set(differing(record, after).map(d => d.path));
	for (const {path} of differing(record, before)) {
		// Set back to what the trail recorded, or set by this change: recorded as any change is.
		if (!still.has(path) || set.has(path)) continue;
		// A setting named whole (a sink) adopts every field under it.
		if (adopt === 'drifted' || adopt.some(named => path === named || path.startsWith(`${named}.`))) adopted.push(path);
		else if (Object.hasOwn(drift.settings, path)) settings[path] = drift.settings[path]!;
		else delete settings[path];
	}
	return {settings, adopted};
}

// Per frozen configuration, per record: a write asks at every commit, and neither changes between most.
const drifts = new WeakMap<Config, WeakMap<object, ConfigDrift | null>>();

/**
 * The document's configuration where it is not as the trail last recorded it (a setting edited in
 * state.json by hand): undefined when they agree, or when the trail holds no record yet.
 */
export function configDrift(record: ConfigRecord | null | undefined, config: Config | undefined): ConfigDrift | undefined {
	if (!record || !config) return undefined;
	const frozen = Object.isFrozen(config);
	let byRecord = frozen ? drifts.get(config) : undefined;
	const cached = byRecord?.get(record.settings);
	if (cached !== undefined) return cached ?? undefined;
	const differences = configDifferences(record, config);
	const drift = differences.length > 0 ? {recorded: record.seq, settings: record.settings, differences} : null;
	if (frozen) {
		if (!byRecord) drifts.set(config, (byRecord = new WeakMap()));
		byRecord.set(record.settings, drift);
	}
	return drift ?? undefined;
}

/** The settings that differ, first: a dialog's line is cut at the terminal's width. */
export const driftedSettings = (drift: ConfigDrift) =>
	`${drift.differences.map(d => d.setting).join(', ')} ${drift.differences.length === 1 ? 'differs' : 'differ'} from the audit trail's last record of the configuration (audit seq ${drift.recorded})`;

/** What a refusal on a drifted configuration says: each setting, and how to set it right. */
export const driftReason = (drift: ConfigDrift, doing: string) =>
	`${doing}: ${driftedSettings(drift)}; nothing is leased or started on settings no event recorded (calyx audit verify shows each; calyx config set <setting> <value> records one, --record-drift every one as it stands)`;
