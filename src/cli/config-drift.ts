import {configDifferences, driftedSettings, settingsToRecord} from '../core/config-record.js';
import type {Config} from '../core/model/index.js';
import type {ConfigDrift} from '../core/trust.js';
import type {BatchStore} from '../store/api.js';
import type {Cli} from './context.js';

/**
 * A configuration edited by hand (core/config-record.ts) as `config set`, `unset` and `apply` meet
 * it: a setting the operator names is recorded as it is set; the others edited by hand only with
 * --record-drift; and whatever still differs from the trail afterwards is said, never passed over.
 */
export const RECORD_DRIFT_FLAG = '--record-drift';
export const RECORD_DRIFT_HELP = "also record every setting edited by hand (one that differs from the audit trail's last record) as it stands";

/** What a `config.set` adopts: the setting named (a set or unset through calyx is deliberate), or every one edited by hand. */
export const adoptFor = (recordDrift: boolean | undefined, path?: string): readonly string[] | 'drifted' => (recordDrift ? 'drifted' : path ? [path] : []);

type DriftNote = {adopted?: string[]; drifted?: string[]};

const note = (cli: Cli, adopted: readonly string[] | undefined, drift: ConfigDrift | undefined): DriftNote => {
	if (drift) cli.err(`calyx: warning: ${driftedSettings(drift)}: nothing is leased or started until each is set, or recorded as it stands with ${RECORD_DRIFT_FLAG}`);
	return {...(adopted?.length ? {adopted: [...adopted]} : {}), ...(drift ? {drifted: drift.differences.map(d => d.setting)} : {})};
};

/** What the change recorded as edited by hand, and what still differs from the trail after it (warned on stderr). */
export async function afterChange(cli: Cli, store: BatchStore, events: ReadonlyArray<{kind: string; data: Record<string, unknown>}>): Promise<DriftNote> {
	const adopted = events.find(e => e.kind === 'config.changed')?.data.adopted as string[] | undefined;
	return note(cli, adopted, (await store.checkedTrust()).configDrift);
}

/** The same, said of a change not made (a dry run): what it would record as it stands, and what would still differ. */
export function wouldChange(cli: Cli, drift: ConfigDrift | undefined, before: Config, after: Config, adopt: readonly string[] | 'drifted'): DriftNote {
	if (!drift) return {};
	const {settings, adopted} = settingsToRecord(drift, before, after, adopt);
	const left = configDifferences({seq: drift.recorded, settings}, after);
	return note(cli, adopted, left.length > 0 ? {...drift, differences: left} : undefined);
}

/** The text line for what a change adopted (or would). */
export const adoptedLine = (adopted: readonly string[] | undefined, would = false) => (adopted?.length ? `${would ? 'would record' : 'recorded'} as it stands (edited by hand): ${adopted.join(', ')}` : '');
