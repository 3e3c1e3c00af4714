import {Deployment, SCHEMA_VERSION} from '../core/model/index.js';
import {decode, type Header} from './codec.js';
import type {StorePaths} from './paths.js';
import {readData} from './safe-fs.js';
import {deepFreeze} from './validate.js';

/** One deployment as the document holds it, with the revision and audit head of that document. */
export interface OneDeployment extends Pick<Header, 'rev' | 'auditHead'> {
	deployment: Deployment;
}

/**
 * Reads one deployment from the current document without parsing or validating the others: for a
 * reader that holds the rest already and knows (from the list index) that nothing else it shows
 * changed. A console's open detail asks each second, while the engine rewrites every live
 * deployment each second: `read()` parses and validates all of them (~50 for one shown).
 *
 * Read-only and lock-free like `read()` (the document is replaced by a rename: any read sees one
 * whole commit). Undefined whenever this cannot answer for sure (no such deployment, a file not in
 * the store's own layout or of another schema version, an entry failing its schema, any error):
 * the caller then reads the whole state, whose read says what is wrong. An entry whose bytes did
 * not change since the last ask is handed back as the same (frozen) object.
 */
export function deploymentReader(paths: Pick<StorePaths, 'state'>): (id: string) => Promise<OneDeployment | undefined> {
	let last: {bytes: Buffer; deployment: Deployment} | undefined;
	return async id => {
		const buf = await readData(paths.state).catch(() => undefined);
		const layout = buf && decode(buf);
		if (!layout || layout.header.schemaVersion !== SCHEMA_VERSION) return undefined;
		const needle = `"id":${JSON.stringify(id)}`;
		for (const slot of layout.fields.find(f => f.key === 'deployments')?.items ?? []) {
			if (!slot.bytes.includes(needle)) continue;
			if (last?.bytes.equals(slot.bytes)) return {rev: layout.header.rev, auditHead: layout.header.auditHead, deployment: last.deployment};
			let value: unknown;
			try {
				value = JSON.parse(slot.bytes.toString('utf8'));
			} catch {
				return undefined;
			}
			if ((value as {id?: unknown} | null)?.id !== id) continue;
			const parsed = Deployment.safeParse(value);
			if (!parsed.success) return undefined;
			// The validated input, not zod's copy: what read() hands out is the parsed JSON, frozen.
			deepFreeze(value);
			last = {bytes: Buffer.from(slot.bytes), deployment: value as Deployment};
			return {rev: layout.header.rev, auditHead: layout.header.auditHead, deployment: last.deployment};
		}
		return undefined;
	};
}
