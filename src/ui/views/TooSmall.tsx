import {Text} from 'ink';
import Line from '../components/Line.js';
import {MIN_SIZE} from '../model/screen.js';

/** Below the minimum the layout would only break; say so instead (q still quits). */
export default function TooSmall({columns, rows}: {columns: number; rows: number}) {
	const room = rows - 1;
	return (
		<>
			<Line>
				<Text bold>
					terminal too small: {columns}×{rows}
				</Text>
			</Line>
			{room < 2 ? null : (
				<Line>
					<Text>
						calyx needs at least {MIN_SIZE.columns}×{MIN_SIZE.rows}; q quits
					</Text>
				</Line>
			)}
		</>
	);
}
