import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@confer/shared';
import { StateJournal } from './StateJournal.js';

const dir = mkdtempSync(join(tmpdir(), 'confer-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const seal = (epoch: string) => ({ epoch: epoch.padEnd(16, '0'), lock: null });
const peer = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('StateJournal', () => {
  it('reads back seals and retired peers, skipping a torn last line and retirements that have expired', () => {
    const path = join(dir, 'sub', 'state.jsonl');
    const journal = StateJournal.open(path, 1000);
    journal.sealed('blue', seal('a'));
    journal.sealed('red', seal('b'));
    journal.sealed('red', null);
    journal.retired(peer(1), { until: 5000, why: 'removed' });
    journal.retired(peer(2), { until: 1500, why: 'left' });
    appendFileSync(path, '{"room":"gre');
    const again = StateJournal.open(path, 2000);
    expect([...again.state.seals]).toEqual([['blue', seal('a')]]);
    expect([...again.state.retired]).toEqual([[peer(1), { until: 5000, why: 'removed' }]]);
    // Rewritten with only what is alive.
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('keeps the file bounded by compacting when dead lines pile up', () => {
    const path = join(dir, 'churn.jsonl');
    const journal = StateJournal.open(path);
    for (let i = 0; i < 25_000; i++) journal.sealed(`room-${i % 3}`, i % 2 ? null : seal(String(i)));
    expect(readFileSync(path, 'utf8').split('\n').length).toBeLessThan(10_100);
    expect(StateJournal.open(path).state.seals.size).toBe(journal.state.seals.size);
  });

  it('without a path keeps everything in memory only; an unusable path fails with what to do', () => {
    const memory = StateJournal.open(null);
    memory.sealed('blue', seal('a'));
    expect(memory.state.seals.size).toBe(1);
    // Below a regular file: no directory can be made there.
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(() => StateJournal.open(join(file, 'state.jsonl'))).toThrow(ConfigError);
    expect(() => StateJournal.open(join(file, 'state.jsonl'))).toThrow(/STATE_FILE=".*a-file\/state.jsonl" cannot be used .*point it at a writable file/);
  });
});
