import { fileURLToPath } from 'node:url';
import { chromiumArgs, chromiumLauncher } from '../chromium.js';

/** A person in front of fine stripes (e2e/fixtures/README.md): blur turns the stripes grey and leaves the face. */
const PERSON = fileURLToPath(new URL('../fixtures/person.mjpeg', import.meta.url));

/** `test.use()` this for a browser whose camera films the fixture instead of Chromium's synthetic pattern (no person in it). */
export const personCamera = { launchOptions: { executablePath: chromiumLauncher, args: [...chromiumArgs, `--use-file-for-fake-video-capture=${PERSON}`] } };
