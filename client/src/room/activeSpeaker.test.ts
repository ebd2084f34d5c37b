import { describe, expect, it } from 'vitest';
import { nextActiveSpeaker } from './activeSpeaker';

describe('nextActiveSpeaker', () => {
  it('gives the floor to the first voice, and keeps it there while that voice goes on', () => {
    expect(nextActiveSpeaker(null, [])).toBeNull();
    expect(nextActiveSpeaker(null, ['ada'])).toBe('ada');
    expect(nextActiveSpeaker('ada', ['ada', 'bo'])).toBe('ada');
    expect(nextActiveSpeaker('ada', ['bo', 'ada'])).toBe('ada');
  });

  it('passes it to the longest speaking of the rest when the speaker stops, and keeps the last speaker in silence', () => {
    expect(nextActiveSpeaker('ada', ['bo', 'cy'])).toBe('bo');
    expect(nextActiveSpeaker('bo', [])).toBe('bo');
  });
});
