import {useMemo} from 'react';
import type {DeploymentView} from '../../core/index.js';
import DenseTable, {MARKER_WIDTH} from '../components/DenseTable.js';
import {fitColumns} from '../model/columns.js';
import {DEPLOYMENT_COLUMNS, deploymentRow} from './deployment-rows.js';

interface Props {
	/** The deployments in the window, top first. */
	views: readonly DeploymentView[];
	/** The selected row within the window. */
	selected: number;
	width: number;
	height: number;
	filtered: boolean;
	/** Rows marked for a group action. */
	marked?: ReadonlySet<string>;
}

/** One line per deployment: id, service, from → to, status, tier progress with time left, worst level. */
export default function DeploymentList({views, selected, width, height, filtered, marked}: Props) {
	const columns = useMemo(() => fitColumns(DEPLOYMENT_COLUMNS, width - MARKER_WIDTH), [width]);
	return (
		<DenseTable
			columns={columns}
			rows={views.map(deploymentRow)}
			selected={selected}
			{...(marked ? {marked} : {})}
			height={height}
			empty={filtered ? 'no deployment matches the filter (Esc clears it)' : 'no deployments yet'}
		/>
	);
}
