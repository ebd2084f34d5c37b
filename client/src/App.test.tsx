import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import { useConnectionStore } from './state/connectionStore';

describe('App connection status', () => {
  it('follows the connection store through connecting, connected and reconnecting', () => {
    useConnectionStore.setState({ status: 'connecting', attempt: 0, lastError: null });
    render(<App signaling={undefined as never} />);
    const badge = screen.getByRole('status');
    expect(badge).toHaveTextContent('connecting…');

    act(() => useConnectionStore.getState().set({ status: 'connected' }));
    expect(badge).toHaveTextContent(/^connected$/);
    expect(badge).toHaveAttribute('data-status', 'connected');

    act(() => useConnectionStore.getState().set({ status: 'reconnecting', attempt: 2, lastError: 'transport close' }));
    expect(badge).toHaveTextContent('reconnecting… (attempt 2) — transport close');
  });

  it('shows why it is disconnected', () => {
    useConnectionStore.setState({ status: 'disconnected', attempt: 0, lastError: 'io server disconnect' });
    render(<App signaling={undefined as never} />);
    expect(screen.getByRole('status')).toHaveTextContent('disconnected — io server disconnect');
  });
});
