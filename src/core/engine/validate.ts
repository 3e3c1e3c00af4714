import {invalid} from '../errors.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

export function requireName(field: string, value: string): void {
	if (typeof value !== 'string' || !NAME.test(value)) {
		throw invalid('INVALID_NAME', `${field}: "${value}" must be 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit`);
	}
}

export function requireReason(reason: string | undefined, field = 'reason'): string {
	if (typeof reason !== 'string' || reason.trim().length === 0) {
		throw invalid('REASON_REQUIRED', `${field}: a non-empty reason is required`);
	}
	return reason.trim();
}

export function requireCount(field: string, value: number | undefined, fallback: number, max = 10_000_000): number {
	if (value === undefined) return fallback;
	if (!Number.isSafeInteger(value) || value < 0 || value > max) {
		throw invalid('INVALID_NUMBER', `${field}: must be a whole number from 0 to ${max}`);
	}
	return value;
}
