/**
 * Where a JSON text first goes wrong. V8's messages give a position for some errors only
 * ("Unexpected token 'x', … is not valid JSON" has none), and an operator repairing a file by hand
 * needs it. Only used on the error path, so a plain character scanner is fast enough.
 */
export function firstJsonError(text: string): number | undefined {
	let i = 0;
	const n = text.length;
	const fail = (): never => {
		throw new JsonStop(i);
	};
	const ws = () => {
		for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
	};
	const expect = (ch: string) => (text[i] === ch ? i++ : fail());
	const literal = (word: string) => (text.startsWith(word, i) ? (i += word.length) : fail());
	const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
	const string = () => {
		i++;
		for (;;) {
			if (i >= n) fail();
			const c = text.charCodeAt(i);
			if (c === 34) return void i++;
			if (c < 0x20) fail();
			if (c === 92) {
				const e = text[++i];
				if (e === 'u') {
					if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
					i += 4;
				} else if (e === undefined || !'"\\/bfnrt'.includes(e)) fail();
			}
			i++;
		}
	};
	const list = (close: string, member: () => void) => {
		i++;
		ws();
		if (text[i] === close) return void i++;
		for (;;) {
			member();
			ws();
			if (text[i] === ',') {
				i++;
				ws();
				continue;
			}
			expect(close);
			return;
		}
	};
	const value = (): void => {
		ws();
		const c = text[i];
		if (c === '{') {
			list('}', () => {
				if (text[i] !== '"') fail();
				string();
				ws();
				expect(':');
				value();
			});
		} else if (c === '[') list(']', value);
		else if (c === '"') string();
		else if (c === 't') literal('true');
		else if (c === 'f') literal('false');
		else if (c === 'n') literal('null');
		else {
			NUMBER.lastIndex = i;
			if (!NUMBER.test(text)) fail();
			i = NUMBER.lastIndex;
		}
	};
	try {
		value();
		ws();
		return i < n ? i : undefined;
	} catch (stop) {
		if (stop instanceof JsonStop) return stop.at;
		throw stop;
	}
}

class JsonStop {
	constructor(readonly at: number) {}
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, position: number): {line: number; column: number} {
	let line = 1;
	let start = 0;
	for (let nl = text.indexOf('\n'); nl !== -1 && nl < position; nl = text.indexOf('\n', nl + 1)) {
		line++;
		start = nl + 1;
	}
	return {line, column: position - start + 1};
}
