export * from './coturn.js';
export * from './credentials.js';
export * from './stunProbe.js';
export * from './turnserverConfig.js';
