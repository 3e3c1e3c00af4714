import {useEffect, useState} from 'react';

export interface EngineRole {
	readonly role: 'leader' | 'follower';
	onRoleChange(listener: (role: 'leader' | 'follower') => void): () => void;
}

/** Leader or follower, live: a follower becomes leader when the leading process dies. */
export function useEngineRole(engine: EngineRole): 'leader' | 'follower' {
	const [role, setRole] = useState(engine.role);
	useEffect(() => {
		setRole(engine.role);
		return engine.onRoleChange(setRole);
	}, [engine]);
	return role;
}
