import { benchFilter } from '../support/filterBench.js';
import { LIGHT_VIDEO } from '../support/participants.js';

/** `npm run bench:noise`: RNNoise against the browser's own noise suppression (e2e/support/filterBench.ts). */
benchFilter({ label: 'Enhanced noise suppression', what: '2-person mesh at 160x120', query: LIGHT_VIDEO });
