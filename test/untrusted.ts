/** What an agent or a hand edit could plant in a title or a reason: terminal sequences, raw. */
export const PAYLOADS = {
	title: '\u001b]0;pwned\u0007',
	clipboard: '\u001b]52;c;ZXZpbA==\u0007',
	clear: '\u001b[2J',
	fakeHalt: '\u001b[31mHALTED\u001b[0m',
	c1: '\u009b31m',
} as const;

/** All of them in one string. */
export const HOSTILE = Object.values(PAYLOADS).join(' ');

/** A raw escape (ESC) or C1 byte: none may reach a terminal from data. */
export const RAW_CONTROL = /[\u001b\u0080-\u009f]/;
