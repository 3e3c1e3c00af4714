import {SCHEMA_VERSION} from '../core/model/index.js';
import {deploymentToV2} from './migrate-v2.js';
import {isObject} from './validate.js';

type Doc = Record<string, unknown>;

/**
 * How a document of version N becomes version N+1, keyed by N. A document is migrated in memory
 * when read; the next write saves it in the current version and audits the migration.
 *
 * Version 0 is the prototype's document: no `schemaVersion` field and no audit head (its audit
 * trail was not chained), so it starts a fresh chain at seq 0.
 */
export const MIGRATIONS: Record<number, (doc: Doc) => Doc> = {
	0: doc => ({schemaVersion: 1, rev: doc.rev ?? 0, auditHead: {seq: 0, hash: ''}, ...withoutVersion(doc)}),
	// Version 2: the engine no longer owns the simulated world (the simulated driver keeps it in a file
	// of its own), and a deployment records the step it wants and the step its target confirmed.
	1: ({world: _world, ...doc}) => ({
		...doc,
		schemaVersion: 2,
		deployments: Array.isArray(doc.deployments) ? doc.deployments.map(d => (isObject(d) ? deploymentToV2(d) : d)) : doc.deployments,
	}),
	// Version 3: ended deployments leave the document for the archive. Reading moves nothing: the
	// first commit after the upgrade moves them, audited (see store/archive-step.ts).
	2: doc => ({...doc, schemaVersion: 3}),
	// Version 4: commits that only move live canaries along are records in `state.journal` (see
	// store/journal.ts). The document is unchanged, but a calyx that does not read the journal would
	// miss those commits and write over them: it must refuse the directory, as it refuses this version.
	3: doc => ({...doc, schemaVersion: 4}),
};

function withoutVersion(doc: Doc): Doc {
	const {schemaVersion: _v, ...rest} = doc;
	return rest;
}

export type MigrationOutcome = {doc: Doc; from?: number} | {refused: string; field?: string};

/** Brings a parsed document to the current schema version, or says clearly why it cannot. */
export function migrate(doc: Doc, current = SCHEMA_VERSION): MigrationOutcome {
	const raw = doc.schemaVersion;
	const from = raw === undefined ? 0 : raw;
	if (typeof from !== 'number' || !Number.isInteger(from) || from < 0) {
		return {refused: `schemaVersion is ${JSON.stringify(raw)}: expected a whole number from 0 to ${current}`, field: 'schemaVersion'};
	}
	if (from > current) {
		return {refused: `was written by a newer calyx (schema version ${from}); this one reads versions 0 to ${current}: upgrade calyx`, field: 'schemaVersion'};
	}
	let out = doc;
	for (let v = from; v < current; v++) {
		const step = MIGRATIONS[v];
		if (!step) return {refused: `has schema version ${from} and there is no migration from version ${v}`, field: 'schemaVersion'};
		out = step(out);
		if (!isObject(out)) return {refused: `migration from version ${v} did not produce a document`};
	}
	return from === current ? {doc: out} : {doc: out, from};
}
