import type {DeploymentStatus, Level} from '../core/index.js';

/**
 * Semantic tones over the terminal's 16 named colours, so the operator's palette (light, dark,
 * solarized) decides how they look. Meaning never rests on colour alone: every toned value also
 * carries a word or a glyph.
 */
export type Tone = 'ok' | 'warning' | 'critical' | 'info' | 'muted' | 'accent' | 'plain';

export const TONE_COLOR: Record<Tone, string | undefined> = {
	ok: 'green',
	warning: 'yellow',
	critical: 'red',
	info: 'cyan',
	muted: 'gray',
	accent: 'blue',
	plain: undefined,
};

export const STATUS_TONE: Record<DeploymentStatus, Tone> = {
	running: 'ok',
	holding: 'warning',
	awaiting_promotion: 'info',
	awaiting_cosign: 'info',
	halted: 'critical',
	rolling_back: 'warning',
	rolled_back: 'muted',
	rollback_failed: 'critical',
	completed: 'muted',
};

/** A metric's level as the gate gives it (`no_data`: its feed has none), or `none` before any sample. */
export type Shade = Level | 'none' | 'inconclusive' | 'no_data';

export const LEVEL_TONE: Record<Shade, Tone> = {
	ok: 'ok',
	warning: 'warning',
	critical: 'critical',
	none: 'muted',
	inconclusive: 'muted',
	// No data holds the gate as a warning does: it is never drawn as calm as a healthy reading.
	no_data: 'warning',
};

/** Upper case for the levels that need attention: legible when colour is off. */
export const LEVEL_WORD: Record<Shade, string> = {
	ok: 'ok',
	warning: 'WARN',
	critical: 'CRIT',
	none: '-',
	inconclusive: 'wait',
	no_data: 'NO DATA',
};

/** The selection marker: visible without colour, bold or inverse video. */
export const SELECTED = '›';
export const LOCK = '⊘ read-only';
