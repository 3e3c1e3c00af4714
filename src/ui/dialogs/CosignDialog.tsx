import {Text} from 'ink';
import type {ReactNode} from 'react';
import Toned from '../components/Toned.js';
import type {Dialog} from '../model/dialog.js';
import type {DialogContent} from '../model/cosign-content.js';
import type {Row} from '../model/wrap.js';
import {scrollOf} from '../model/dialog-scroll.js';
import DialogFrame from './DialogFrame.js';

function hint(more: number, offset: number): ReactNode {
	if (more > 0) return <Toned tone="info">↓ {more} more line{more === 1 ? '' : 's'}: j/↓ or PgDn scrolls (y needs the end on screen)</Toned>;
	return <Text color="gray">{offset > 0 ? '— end of what you sign (k/↑ or PgUp scrolls back)' : '— that is everything you sign'}</Text>;
}

/**
 * Everything a signer signs (a lease: cosign-content.ts; a keyed tier's promotion: tier-cosign.ts), wrapped to the width and scrolled in a
 * window of fixed height; the last row says how much is below.
 */
export default function CosignDialog({dialog, content, changed, height, width}: {dialog: Dialog; content?: DialogContent; changed: readonly string[]; height: number; width: number}) {
	const title = dialog.action === 'tierCosign' ? `Cosign the promotion of ${dialog.target}` : `Cosign ${dialog.target}`;
	if (!content) {
		const facts = [<Toned tone="critical">{dialog.target} is no longer in the store</Toned>];
		return <DialogFrame title={title} tone="critical" dialog={dialog} facts={facts} verb="sign" height={height} width={width} />;
	}
	const {rows, body} = content;
	const offset = scrollOf(dialog, body);
	const shown = rows.slice(offset, offset + body.height);
	const line = (r: Row) => (
		<Text>
			<Text color="gray">{r.label} </Text>
			<Toned tone={r.tone ?? 'plain'}>{r.text}</Toned>
		</Text>
	);
	const facts: ReactNode[] = [
		...shown.map(line),
		...Array.from({length: body.height - shown.length}, () => ''),
		hint(rows.length - offset - shown.length, offset),
		...(content.beside ?? []).map(line),
	];
	return <DialogFrame title={title} tone="accent" dialog={dialog} facts={facts} verb="sign" height={height} changed={changed} width={width} />;
}
