import { startApp } from './app.js';

/** `npm start`: start everything, print the URL, shut down gracefully on SIGINT/SIGTERM (a second signal exits at once). */
try {
  const app = await startApp();
  // A promise nobody awaited must not take every room down with the process: log it and carry on.
  process.on('unhandledRejection', (reason) => app.log.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection'));
  process.stdout.write(`\nConfer is running at ${app.url}\n\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    void app.shutdown().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`error during shutdown: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  // Start-up failures are for a person at a terminal: one line saying what is wrong and what to do.
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exit(1);
}
