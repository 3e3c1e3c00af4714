import {useEffect, useState} from 'react';
import type {State} from '../../core/model/index.js';
import type {Trust} from '../../core/trust.js';
import type {Store} from '../../store/api.js';

// A read assembles the registries' arrays afresh, but keeps each unchanged record's object: the records say whether they changed.
const ids = new WeakMap<object, number>();
let nextId = 0;
const idOf = (record: object) => ids.get(record) ?? (ids.set(record, ++nextId), nextId);
const recordsOf = (records: readonly object[] | undefined) => records?.map(idOf).join(',');

/**
 * The trust as a write would decide with it (core/ledger.ts): keys and services the trail does not
 * back disowned, a configuration it did not record said. So that a dialog's checks are the ones its
 * Enter meets, not the trust file's alone. Asked again only when what it depends on changes (the
 * trail's head, the configuration, the registries), never per sample; the trust file's until then.
 */
export function useCheckedTrust(store: Store & {checkedTrust?: () => Promise<Trust>}, state: State | undefined): Trust {
	const [checked, setChecked] = useState<Trust>(store.trust);
	useEffect(() => {
		if (!state || !store.checkedTrust) return;
		let current = true;
		// A store that does not answer keeps the last trust it gave; its trouble is said on its own line.
		store.checkedTrust().then(
			trust => current && setChecked(trust),
			() => undefined,
		);
		return () => {
			current = false;
		};
	}, [store, state?.auditHead.seq, state?.config, recordsOf(state?.keys), recordsOf(state?.services)]);
	return checked;
}
