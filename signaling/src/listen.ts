import { createServer as createNetServer } from 'node:net';

/** The HTTP port cannot be had (in use, not an address of this machine, privileged): the message says what to do. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** Turns listen() failures into one line that says what to do. */
export function describeListenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') return new ListenError(`Port ${port} on ${host} is in use: stop the other process or set PORT to a free port`);
  if (error.code === 'EADDRNOTAVAIL') return new ListenError(`HOST=${host} is not an address of this machine: set HOST to one (127.0.0.1, 0.0.0.0)`);
  if (error.code === 'EACCES') return new ListenError(`Port ${port} needs privileges: set PORT to 1024 or above`);
  return error;
}

/** Fails in milliseconds, before workers and coturn start, when the HTTP port cannot be had. */
export function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(describeListenError(error, host, port)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
