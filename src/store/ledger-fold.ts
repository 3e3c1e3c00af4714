import {emptyLedger, holdsConfigRecord, ledgerFrom, ledgerLine, ledgerStep, type Ledger} from '../core/ledger.js';
import type {ChainFold} from './anchor.js';

/**
 * The store's fold over the verified chain: the registries the trail's statements made (see
 * core/ledger.ts), resumed from this user's witness log so that a write folds only its new events.
 */
export const ledgerFold: ChainFold<Ledger> = {
	key: 'ledger',
	initial: emptyLedger,
	wants: line => ledgerLine(line),
	restore: saved => (holdsConfigRecord(saved) ? ledgerFrom(saved) : undefined),
	step: ledgerStep,
};
