export * from './client.js';
export * from './codes.js';
export * from './format.js';
export * from './product-mapping.js';
export * from './types.js';
export * from './user-agent.js';
export * from './validate.js';
