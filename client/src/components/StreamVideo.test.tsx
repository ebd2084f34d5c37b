import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamVideo } from './StreamVideo';

// jsdom has neither MediaStream nor requestVideoFrameCallback: stand-ins that let the test present frames.
const stream = (id: string) => ({ id }) as unknown as MediaStream;
let frameCallbacks: Map<number, { video: HTMLVideoElement; cb: () => void }>;

const presentFrame = (video: HTMLElement) =>
  act(() => {
    for (const [handle, entry] of frameCallbacks) {
      if (entry.video !== video) continue;
      frameCallbacks.delete(handle);
      entry.cb();
    }
  });

describe('StreamVideo', () => {
  beforeEach(() => {
    frameCallbacks = new Map();
    let next = 1;
    Object.assign(HTMLVideoElement.prototype, {
      requestVideoFrameCallback(this: HTMLVideoElement, cb: () => void) {
        frameCallbacks.set(next, { video: this, cb });
        return next++;
      },
      cancelVideoFrameCallback: (handle: number) => frameCallbacks.delete(handle),
    });
  });
  afterEach(() => {
    const proto = HTMLVideoElement.prototype as Partial<Record<'requestVideoFrameCallback' | 'cancelVideoFrameCallback', unknown>>;
    delete proto.requestVideoFrameCallback;
    delete proto.cancelVideoFrameCallback;
    vi.useRealTimers();
  });

  const front = () => screen.getByTestId('tile-video') as HTMLVideoElement;
  const behind = () => screen.getByTestId('tile-video-next') as HTMLVideoElement;

  it('lets go of its streams when it leaves the page (a detached element holding a camera starves its capture)', () => {
    const { rerender, unmount } = render(<StreamVideo stream={stream('a')} hidden={false} />);
    rerender(<StreamVideo stream={stream('b')} hidden={false} />);
    const [shown, next] = [front(), behind()];
    expect([shown.srcObject, next.srcObject]).toEqual([{ id: 'a' }, { id: 'b' }]);
    unmount();
    expect([shown.srcObject, next.srcObject]).toEqual([null, null]);
  });

  it('keeps showing the old stream until the new one has presented a frame', () => {
    const { rerender } = render(<StreamVideo stream={stream('mesh')} hidden={false} />);
    expect(front().srcObject).toEqual(stream('mesh'));

    rerender(<StreamVideo stream={stream('sfu')} hidden={false} />);
    expect(front().srcObject).toEqual(stream('mesh'));
    expect(behind().srcObject).toEqual(stream('sfu'));

    const incoming = behind();
    presentFrame(incoming);
    expect(front()).toBe(incoming);
    expect(front().srcObject).toEqual(stream('sfu'));
    expect(behind().srcObject).toBeNull();
  });

  it('keeps the old picture for as long as the new stream presents nothing, and follows a newer stream', () => {
    vi.useFakeTimers();
    const { rerender } = render(<StreamVideo stream={stream('mesh')} hidden={false} />);
    rerender(<StreamVideo stream={stream('sfu')} hidden={false} />);
    act(() => vi.advanceTimersByTime(60_000));
    expect(front().srcObject).toEqual(stream('mesh'));
    rerender(<StreamVideo stream={stream('sfu-again')} hidden={false} />);
    expect(frameCallbacks.size).toBe(1);
    presentFrame(behind());
    expect(front().srcObject).toEqual(stream('sfu-again'));
  });

  it('switches at once when nothing is on screen (hidden video, first stream)', () => {
    const { rerender } = render(<StreamVideo stream={null} hidden={false} />);
    rerender(<StreamVideo stream={stream('mesh')} hidden={false} />);
    expect(front().srcObject).toEqual(stream('mesh'));
    rerender(<StreamVideo stream={stream('sfu')} hidden />);
    expect(front().srcObject).toEqual(stream('sfu'));
    expect(frameCallbacks.size).toBe(0);
  });
});
