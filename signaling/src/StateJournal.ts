import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConfigError, peerIdSchema, roomIdSchema, type RoomControls } from '@confer/shared';
import { roomSealSchema, type RoomSeal } from './RoomAccess.js';

/** What a single server keeps across its own restarts: each live room's seal and controls, and peers that left for good. */
export interface DurableState {
  seals: Map<string, RoomSeal>;
  /** Room id → its host and lock. */
  controls: Map<string, RoomControls>;
  /** Peer id → until when (ms) its resume token must not bring it back, and why (the host removed it, or it left). */
  retired: Map<string, Retirement>;
}

export interface Retirement {
  until: number;
  why: 'left' | 'removed';
}

const lineSchema = z.union([
  z.strictObject({ room: roomIdSchema, seal: roomSealSchema.nullable() }),
  z.strictObject({ peer: peerIdSchema, until: z.number(), removed: z.literal(true).optional() }),
  z.strictObject({ room: roomIdSchema, controls: z.strictObject({ hostId: peerIdSchema.nullable(), locked: z.boolean() }).nullable() }),
]);
type Line = z.infer<typeof lineSchema>;

/** Lines appended beyond the live entries before the file is rewritten with only those (bounds its size). */
const SLACK_LINES = 10_000;

/**
 * An append-only JSON-lines file: every change is one line written synchronously, so a SIGKILL loses
 * nothing already answered. Read back at start (a torn last line is skipped) and rewritten compactly then
 * and whenever dead lines pile up. Without a path, nothing is kept (the state dies with the process).
 */
export class StateJournal {
  private lines = 0;

  private constructor(
    private readonly path: string | null,
    readonly state: DurableState,
  ) {}

  /** Reads the file back (creating it); throws ConfigError with what to do when it cannot be used. */
  static open(path: string | null, nowMs = Date.now()): StateJournal {
    try {
      return StateJournal.read(path, nowMs);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError([`STATE_FILE=${JSON.stringify(path)} cannot be used (${(error as Error).message}): point it at a writable file, or leave it empty`]);
    }
  }

  private static read(path: string | null, nowMs: number): StateJournal {
    const state: DurableState = { seals: new Map(), controls: new Map(), retired: new Map() };
    const journal = new StateJournal(path, state);
    if (!path) return journal;
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dirname(path), { recursive: true });
    }
    for (const raw of text.split('\n')) {
      const line = parseLine(raw);
      if (line) journal.apply(line);
    }
    for (const [peerId, { until }] of state.retired) if (until <= nowMs) state.retired.delete(peerId);
    journal.compact();
    return journal;
  }

  sealed(roomId: string, seal: RoomSeal | null): void {
    this.write({ room: roomId, seal });
  }

  controlled(roomId: string, controls: RoomControls | null): void {
    this.write({ room: roomId, controls });
  }

  retired(peerId: string, { until, why }: Retirement): void {
    this.write({ peer: peerId, until, ...(why === 'removed' ? { removed: true as const } : {}) });
  }

  private write(line: Line): void {
    this.apply(line);
    if (!this.path) return;
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    if (++this.lines > this.state.seals.size + this.state.controls.size + this.state.retired.size + SLACK_LINES) this.compact();
  }

  private apply(line: Line): void {
    if ('controls' in line) {
      if (line.controls) this.state.controls.set(line.room, line.controls);
      else this.state.controls.delete(line.room);
    } else if ('room' in line) {
      if (line.seal) this.state.seals.set(line.room, line.seal);
      else this.state.seals.delete(line.room);
    } else {
      // Re-inserted, so the retired map stays in the order of retirement (the store prunes the oldest first).
      this.state.retired.delete(line.peer);
      this.state.retired.set(line.peer, { until: line.until, why: line.removed ? 'removed' : 'left' });
    }
  }

  /** Rewrites the file with the live entries only: written aside, then renamed over, so a crash keeps one whole file. */
  private compact(): void {
    if (!this.path) return;
    const lines = [
      ...[...this.state.seals].map(([room, seal]): Line => ({ room, seal })),
      ...[...this.state.controls].map(([room, controls]): Line => ({ room, controls })),
      ...[...this.state.retired].map(([peer, { until, why }]): Line => ({ peer, until, ...(why === 'removed' ? { removed: true as const } : {}) })),
    ];
    const aside = `${this.path}.tmp`;
    writeFileSync(aside, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    renameSync(aside, this.path);
    this.lines = lines.length;
  }
}

function parseLine(raw: string): Line | null {
  if (!raw.trim()) return null;
  try {
    const parsed = lineSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
