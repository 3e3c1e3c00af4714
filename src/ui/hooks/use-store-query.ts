import {useEffect, useRef, useState} from 'react';

/**
 * An async read of `subject` that reruns when the subject or `version` changes. While a newer
 * version loads, the previous answer for the same subject stays on screen (no blank flash); an
 * answer for another subject is never shown, and answers arriving out of order are dropped.
 */
export function useStoreQuery<T>(
	subject: string | undefined,
	version: number,
	load: () => Promise<T>,
): {data?: T; error?: string} {
	const [result, setResult] = useState<{subject?: string; data?: T; error?: string}>({});
	const latest = useRef(0);
	const loader = useRef(load);
	loader.current = load;
	useEffect(() => {
		if (subject === undefined) return;
		const ticket = ++latest.current;
		loader.current().then(
			data => ticket === latest.current && setResult({subject, data}),
			(error: unknown) =>
				ticket === latest.current &&
				setResult(r => ({subject, ...(r.subject === subject ? {data: r.data} : {}), error: error instanceof Error ? error.message : String(error)})),
		);
	}, [subject, version]);
	useEffect(
		() => () => {
			latest.current = Number.NaN;
		},
		[],
	);
	return result.subject === subject ? {...(result.data === undefined ? {} : {data: result.data}), ...(result.error ? {error: result.error} : {})} : {};
}
