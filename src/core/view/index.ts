export * from './deployment.js';
export * from './lease.js';
