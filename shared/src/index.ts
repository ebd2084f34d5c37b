export * from './env.js';
export * from './errors.js';
export * from './logger.js';
export * from './protocol.js';
export * from './schemas.js';
export * from './topology.js';
export * from './validate.js';
export * from './chat.js';
