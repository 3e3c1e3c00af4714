import {useEffect, useState} from 'react';
import type {State} from '../../core/index.js';
import type {Store} from '../../store/api.js';
import {canReplay, consoleTrackRecord} from '../../store/console-reads.js';
import type {Dialog} from '../model/dialog.js';

/**
 * The replay line of the lease a cosign dialog is open on: what its plan would have done to the
 * service's last 5 deployments (`lease show` says the same). A replay runs the engine over the
 * recorded samples (about a second per day of canary, each at most 12 hours in), far too slow for
 * a render: it runs once per dialog, after the dialog has drawn, and the dialog shows
 * "replaying…" until it is in (on rows of its own: see DialogContent.beside). Undefined when the
 * store cannot replay (an in-memory one).
 */
export const REPLAYING = 'replaying the last deployments…';

export function useTrackRecord(store: Store, dialog: Dialog | undefined, state: State | undefined): string | undefined {
	const lease = dialog?.action === 'cosign' ? state?.leases.find(l => l.id === dialog.target) : undefined;
	const service = lease && state?.intents.find(i => i.id === lease.intentId)?.service;
	const key = lease && service && canReplay(store) ? `${lease.id}@${dialog!.openedAt}` : undefined;
	const [line, setLine] = useState<{key: string; text: string} | undefined>(undefined);
	useEffect(() => {
		if (!key || !lease || !service) return;
		let alive = true;
		// A turn later: the dialog's first frame is drawn before the replay takes the event loop.
		const timer = setTimeout(() => {
			consoleTrackRecord(store, lease.plan, service)
				.then(record => alive && setLine({key, text: record?.line ?? 'not replayed'}))
				.catch((error: unknown) => alive && setLine({key, text: `not replayed: ${(error as Error).message}`}));
		}, 0);
		return () => {
			alive = false;
			clearTimeout(timer);
		};
	}, [store, key]);
	if (!key) return undefined;
	return line && line.key === key ? line.text : REPLAYING;
}
