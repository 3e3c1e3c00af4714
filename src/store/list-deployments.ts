import type {State} from '../core/model/index.js';
import type {DeploymentList, ListOptions} from './api.js';
import {deploymentPicker, documentList} from './deployment-read.js';
import type {Journal} from './journal.js';
import {JournalRevs, revOver} from './journal-rev.js';
import {withJournal} from './journal-step.js';
import {readListIndex, readListRows, type ListMemo} from './list-read.js';
import type {StorePaths} from './paths.js';

/**
 * The document's deployments as a list reads them (the store's listDeployments, before the
 * archive's), each kind of read keeping what it made for the next: a reader that asks every
 * second (the console) parses and hashes only what changed.
 */
export class LiveList {
	/** What the last checked read made of the document's rows and lines. */
	readonly #index: ListMemo = {};
	/** What the last read of the rows as written made of them. */
	readonly #rows: ListMemo = {};
	readonly #revs: JournalRevs;
	readonly #pick = deploymentPicker();

	constructor(
		readonly paths: StorePaths,
		readonly journal: Pick<Journal, 'load' | 'view' | 'advance'>,
		/** The committed state read whole: for a document without list rows. */
		readonly whole: () => Promise<State>,
	) {
		this.#revs = new JournalRevs(paths.journal);
	}

	async read(opts: ListOptions): Promise<DeploymentList> {
		const {deployment} = opts;
		const asWritten = opts.checked === false && opts.archived === false;
		// The rows as written need only the journal's revisions (no record changes a row: journal-rev.ts).
		if (asWritten && deployment === undefined) {
			const span = this.#revs.follow();
			const rows = span && (await readListRows(this.paths, this.#rows));
			const rev = rows && revOver(span, rows.rev);
			if (rows && rev !== undefined) return {rev, deployments: rows.deployments, source: 'rows'};
		}
		// Read before the document: the journal's records past it are committed too (journal.ts).
		const {journal} = this;
		const read = journal.load();
		const past = (list: DeploymentList) => withJournal(list, journal.view(read, list.rev), (dep, view) => journal.advance(dep, view));
		if (asWritten && deployment !== undefined) {
			const rows = await readListRows(this.paths, this.#rows, deployment);
			const one = rows?.line ? this.#pick.fromLine(rows.line, rows.header, deployment) : undefined;
			if (rows && one) return past({rev: rows.rev, deployments: rows.deployments, source: 'rows', one});
		}
		const indexed = await readListIndex(this.paths, this.#index);
		const layout = this.#index.layout;
		const one = indexed && layout && deployment !== undefined ? this.#pick.fromLayout(layout, deployment) : undefined;
		return past(indexed ? {...indexed, source: 'index' as const, ...(one ? {one} : {})} : documentList(await this.whole(), deployment));
	}
}
