export * from './deployment.js';
export * from './lease.js';
export * from './summary.js';
export * from './tiers.js';
export * from './start.js';
export * from './words.js';
export * from './target.js';
export * from './service.js';
