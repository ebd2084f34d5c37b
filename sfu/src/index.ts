export * from './config.js';
export * from './mediaCodecs.js';
export * from './MediasoupSfu.js';
export { SfuRequestError } from './Sfu.js';
export type * from './Sfu.js';
export * from './workerBinary.js';
export { SfuStartError } from './WorkerPool.js';
