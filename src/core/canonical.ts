import {createHash} from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JCS) bytes: what is signed and hashed. Plain JSON.stringify depends on key order;
 * canonicalize also refuses NaN and Infinity, so a non-finite value can never be signed.
 */
export function canonicalJson(value: unknown): string {
	const text = canonicalize(value);
	if (text === undefined) throw new TypeError('value cannot be canonicalised');
	return text;
}

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

export const checksum = (value: unknown): string => sha256(canonicalJson(value));
