import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort } from './freePort.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** What a process runs, and the line it prints once it serves. */
export interface Program {
  main: string;
  ready: string;
}
const programs: Record<'server' | 'media-node', Program> = {
  server: { main: join(root, 'signaling/dist/main.js'), ready: 'Confer is running at' },
  'media-node': { main: join(root, 'sfu/dist/mediaNodeMain.js'), ready: 'Confer media node' },
};

/**
 * Every page, socket and request of the suite comes from 127.0.0.1, so the per-address budgets (tested on their
 * own in signaling/src/admissionAttacks.test.ts) are opened up for the e2e servers.
 */
export const E2E_ADDRESS_LIMITS = { MAX_CONNECTIONS_PER_ADDRESS: '100000', ADDRESS_CONNECTIONS_PER_10S: '100000', ADDRESS_JOINS_PER_10S: '100000' };

/**
 * The app as `npm start` runs it, in a process of its own, so a test can kill it (SIGKILL: a crash) or
 * stop it (SIGTERM: a deploy) and start it again on the same address. TURN is off: a killed process
 * would leave its coturn child holding the port; these tests are about signaling and the SFU.
 */
export class ServerProcess {
  private child: ChildProcess | null = null;
  /** Everything the process printed, for the failure message. */
  output = '';

  private constructor(
    readonly url: string,
    private readonly env: Record<string, string>,
    private readonly program: Program = programs.server,
  ) {}

  /** `npm run media-node` in a process of its own (no URL: it serves the cluster through Redis only). */
  static startMediaNode(env: Record<string, string>): Promise<ServerProcess> {
    return ServerProcess.startProgram(programs['media-node'], '', { SFU_LISTEN_IP: '127.0.0.1', SFU_WEBRTC_PORT: '0', SFU_WORKERS: '1', SFU_AUDIO_LEVEL_THRESHOLD: '-80', LOG_LEVEL: 'warn', ...env });
  }

  /** Any other program (a benchmark's baseline server), started and stopped the same way. */
  static async startProgram(program: Program, url: string, env: Record<string, string>): Promise<ServerProcess> {
    const started = new ServerProcess(url, env, program);
    await started.run();
    return started;
  }

  static async start(env: Record<string, string> = {}): Promise<ServerProcess> {
    const port = await freeTcpPort();
    // A new server starts with no state; its restarts (run() again) read back what it wrote.
    const stateFile = join(tmpdir(), `confer-e2e-state-${port}.jsonl`);
    rmSync(stateFile, { force: true });
    const server = new ServerProcess(`http://127.0.0.1:${port}`, {
      HOST: '127.0.0.1',
      PORT: String(port),
      TURN_MODE: 'off',
      SFU_LISTEN_IP: '127.0.0.1',
      SFU_WEBRTC_PORT: '0',
      SFU_WORKERS: '1',
      SFU_AUDIO_LEVEL_THRESHOLD: '-80',
      ...E2E_ADDRESS_LIMITS,
      // The same secret across restarts is what lets the next process restore everyone's seat.
      SESSION_SECRET: 'e2e-session-secret-that-survives-restarts-0123',
      // ...and so does what it keeps of its rooms (their locks and epochs) and of who left.
      STATE_FILE: stateFile,
      LOG_LEVEL: 'warn',
      ...env,
    });
    await server.run();
    return server;
  }

  /** Starts the process and resolves once it serves. */
  async run(): Promise<void> {
    // SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles every server a test or benchmark starts (Node refuses it in NODE_OPTIONS).
    const nodeArgs = (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, this.program.main], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const collect = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stderr?.on('data', collect);
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`${this.program.main} did not start in 20 s:\n${this.output}`)), 20_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        collect(chunk);
        if (this.output.includes(this.program.ready)) {
          clearTimeout(timer);
          ready();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`server exited with ${code}:\n${this.output}`));
      });
    });
  }

  /** Stops it for good: the process, and the state file it kept for its restarts. */
  async close(): Promise<void> {
    await this.stop();
    if (this.env.STATE_FILE) rmSync(this.env.STATE_FILE, { force: true });
  }

  /** Sends `signal` and resolves when the process is gone (run() starts it again with its state). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill(signal);
    await exited;
  }
}
