import type {DeploymentStatus} from '../../core/model/index.js';
import type {TierView} from '../../core/view/tiers.js';
import {statusWord} from '../../core/view/words.js';
import type {Paint} from './table.js';

/**
 * The status and tier columns, shared by `canary list` and `canary status`. No run-time imports
 * beyond the painter and the status words: the quick list path renders with these.
 */
const STATUS_COLOR = {
	running: 'cyan',
	holding: 'yellow',
	awaiting_promotion: 'blue',
	awaiting_cosign: 'blue',
	halted: 'red',
	rolling_back: 'magenta',
	rolled_back: 'magenta',
	rollback_failed: 'red',
	completed: 'green',
} as const satisfies Record<DeploymentStatus, Parameters<Paint>[0]>;

/** The status in words (`rolled back`), coloured; --json keeps the code. */
export const statusText = (status: DeploymentStatus, paint: Paint) => paint(STATUS_COLOR[status], statusWord(status));

/** `5% ■ 25% ▶ 100% ·` — done, current (… while the target applies it, ✗ when it refused, ↺ where a rollback took it back from), pending; readable without colour. */
export function tierTrack(view: {tiers: TierView[]}): string {
	const mark = {done: '■', current: '▶', applying: '…', failed: '✗', reverted: '↺', pending: '·'} as const;
	return view.tiers.map(t => `${t.percent}%${mark[t.state]}`).join(' ');
}
