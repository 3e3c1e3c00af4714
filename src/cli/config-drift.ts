import {driftedSettings} from '../core/config-record.js';
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

/** What the change recorded as edited by hand, and what still differs from the trail after it (warned on stderr). */
export async function afterChange(cli: Cli, store: BatchStore, events: ReadonlyArray<{kind: string; data: Record<string, unknown>}>): Promise<{adopted?: string[]; drifted?: string[]}> {
	const adopted = events.find(e => e.kind === 'config.changed')?.data.adopted as string[] | undefined;
	const drift = (await store.checkedTrust()).configDrift;
	if (drift) cli.err(`calyx: warning: ${driftedSettings(drift)}: nothing is leased or started until each is set, or recorded as it stands with ${RECORD_DRIFT_FLAG}`);
	return {...(adopted?.length ? {adopted} : {}), ...(drift ? {drifted: drift.differences.map(d => d.setting)} : {})};
}

/** The text line for what a change adopted. */
export const adoptedLine = (adopted: readonly string[] | undefined) => (adopted?.length ? `\nrecorded as it stands (edited by hand): ${adopted.join(', ')}` : '');
