import type {Deployment} from '../core/model/index.js';
import {deploymentSummary} from '../core/view/summary.js';
import {COLUMNS, lineDigest, rowDigest} from './list-read.js';

export {LIST_FIELD} from './list-read.js';

/**
 * The deployments list, kept in the document itself: a `list` field right after the header, its
 * first item the column names, then one row per live deployment, in the deployments' order:
 *
 *   {"schemaVersion":…,"rev":42,"auditHead":{…}
 *   ,"list":[
 *   ["id","service",…]
 *   ,["3q2+7w…","DEP-20261126-001","checkout",…]
 *   ]
 *   ,"config":{…}
 *   ,"deployments":[
 *   {…}
 *   ]
 *
 * Each row starts with a digest of its deployment's line and of its own fields, so that `canary
 * list` can read the rows (list-read.ts) without parsing or validating a deployment, and still
 * refuse rows that are not the document's (a deployment, or a row, edited by hand). Derived data:
 * the store's reader skips the field, and the commit that writes the document writes it (no
 * second file to create, write and rename).
 */

const COLUMNS_ROW = Buffer.from(JSON.stringify(COLUMNS));
const NO_ROW = Buffer.from('[]');

export class ListRows {
	/** Each frozen deployment's row: identity then means unchanged. */
	readonly #rows = new WeakMap<Deployment, Buffer>();

	/** The field's items for these deployments, given each one's line as the document writes it. */
	items(deployments: readonly Deployment[], lineOf: (dep: Deployment) => Buffer): Buffer[] {
		return [COLUMNS_ROW, ...deployments.map(dep => this.#row(dep, lineOf))];
	}

	#row(dep: Deployment, lineOf: (dep: Deployment) => Buffer): Buffer {
		let bytes = this.#rows.get(dep);
		if (bytes) return bytes;
		let summary;
		try {
			summary = deploymentSummary(dep);
		} catch {
			// Not a deployment (the state is validated while its bytes are written): it fails validation,
			// and nothing of this write becomes current. A row no reader accepts stands in meanwhile.
			return NO_ROW;
		}
		// `["<digest>",` then the fields as JSON.stringify writes the array's items (its `[` dropped).
		const fields = Buffer.from(JSON.stringify(COLUMNS.map(column => summary[column] ?? null)).slice(1));
		bytes = Buffer.concat([Buffer.from(`["${rowDigest(lineDigest(lineOf(dep)), fields)}",`), fields]);
		// Kept only for a frozen deployment: one that can change behind it is summarised again.
		if (Object.isFrozen(dep)) this.#rows.set(dep, bytes);
		return bytes;
	}
}
