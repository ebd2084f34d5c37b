import { createServer } from 'node:net';

/** A loopback TCP port nobody listens on now, for a process the test tells where to listen. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}
