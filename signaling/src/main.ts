import { startApp } from './app.js';

/** `npm start`: start everything, print the URL, stop cleanly on SIGINT/SIGTERM. */
try {
  const app = await startApp();
  process.stdout.write(`\nConfer is running at ${app.url}\n\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  // Start-up failures are for a person at a terminal: one line saying what is wrong and what to do.
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exit(1);
}
