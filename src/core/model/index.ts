export * from './metrics.js';
export * from './config.js';
export * from './entities.js';
export * from './service.js';
export * from './metrics-source.js';
export * from './history.js';
export * from './notify.js';
