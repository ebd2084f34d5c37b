import { test } from '@playwright/test';
import { benchFilter } from '../support/filterBench.js';
import { personCamera } from '../support/personCamera.js';

/** `npm run bench:blur`: background blur on a 640x360 camera filming a person (e2e/support/filterBench.ts). */
test.use(personCamera);
benchFilter({ label: 'Blur background', what: '2-person mesh at 640x360, 15 fps, camera filming a person', query: 'video=640x360&fps=15&screen=400x300' });
