import { startMediaNode } from './mediaNode.js';

/** `npm run media-node`: start, then leave the cluster cleanly on SIGINT/SIGTERM. */
try {
  const node = await startMediaNode();
  process.stdout.write(`\nConfer media node ${node.nodeId} is up\n\n`);
  process.on('unhandledRejection', (reason) => node.log.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection'));
  const stop = () => void node.close().then(() => process.exit(0), () => process.exit(1));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exit(1);
}
