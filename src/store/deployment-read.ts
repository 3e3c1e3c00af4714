import {Deployment, SCHEMA_VERSION, type State} from '../core/model/index.js';
import {deploymentSummary} from '../core/view/summary.js';
import type {DeploymentList} from './api.js';
import type {Header, Layout} from './codec.js';
import {deepFreeze} from './validate.js';

/** One deployment as the document holds it, with the revision and audit head of that document. */
export interface OneDeployment extends Pick<Header, 'rev' | 'auditHead'> {
	deployment: Deployment;
}

/**
 * Takes one deployment out of a decoded document without parsing or validating the others: for a
 * reader that holds the rest already and knows (from the list index, read from the same bytes)
 * that nothing else it shows changed. A console's open detail asks each second, while the engine
 * rewrites every live deployment each second: `read()` parses and validates all of them (~50 for
 * one shown).
 *
 * Undefined whenever this cannot answer for sure (no such deployment, a document of another schema
 * version, an entry failing its schema): the caller then reads the whole state, whose read says
 * what is wrong. An entry whose bytes did not change since the last ask is handed back as the same
 * (frozen) object.
 */
export interface DeploymentPicker {
	/** From a document decoded whole (list-read.ts's checked read). */
	fromLayout(layout: Layout, id: string): OneDeployment | undefined;
	/** From its own line, found in the document's bytes (list-read.ts's rows read). */
	fromLine(line: Buffer, header: Header, id: string): OneDeployment | undefined;
}

export function deploymentPicker(): DeploymentPicker {
	let last: {bytes: Buffer; deployment: Deployment} | undefined;
	const take = (bytes: Buffer, {rev, auditHead}: Header, id: string): OneDeployment | 'other' | undefined => {
		if (last?.bytes.equals(bytes)) return {rev, auditHead, deployment: last.deployment};
		let value: unknown;
		try {
			value = JSON.parse(bytes.toString('utf8'));
		} catch {
			return undefined;
		}
		if ((value as {id?: unknown} | null)?.id !== id) return 'other';
		const parsed = Deployment.safeParse(value);
		if (!parsed.success) return undefined;
		// The validated input, not zod's copy: what read() hands out is the parsed JSON, frozen.
		deepFreeze(value);
		last = {bytes: Buffer.from(bytes), deployment: value as Deployment};
		return {rev, auditHead, deployment: last.deployment};
	};
	return {
		fromLayout: (layout, id) => {
			if (layout.header.schemaVersion !== SCHEMA_VERSION) return undefined;
			const needle = `"id":${JSON.stringify(id)}`;
			for (const slot of layout.fields.find(f => f.key === 'deployments')?.items ?? []) {
				if (!slot.bytes.includes(needle)) continue;
				const one = take(slot.bytes, layout.header, id);
				if (one !== 'other') return one;
			}
			return undefined;
		},
		fromLine: (line, header, id) => {
			const one = header.schemaVersion === SCHEMA_VERSION ? take(line, header, id) : undefined;
			return one === 'other' ? undefined : one;
		},
	};
}

/** The deployments list of a state read whole (a store with no list index, or a document without one), with the deployment asked for. */
export function documentList(state: State, id?: string): DeploymentList {
	const deployment = id === undefined ? undefined : state.deployments.find(d => d.id === id);
	return {
		rev: state.rev,
		deployments: state.deployments.map(d => deploymentSummary(d)),
		source: 'document',
		state,
		...(deployment ? {one: {rev: state.rev, auditHead: state.auditHead, deployment}} : {}),
	};
}
