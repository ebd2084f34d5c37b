/**
 * HTTP hardening of the signaling server: the security headers of every response and the origin
 * check of Socket.IO connections. Pure functions, so the policy is testable without a server.
 */

export interface SecurityHeaderOptions {
  /** Origins allowed to frame the app (CSP frame-ancestors); empty: nobody may frame it. */
  frameAncestors: readonly string[];
}

/**
 * The Content-Security-Policy of a WebRTC single-page app built by Vite: one module script and one
 * stylesheet from our own origin, no inline script or style.
 * - connect-src 'self': Socket.IO polling and its WebSocket. CSP Level 3 'self' also matches ws:/wss:
 *   of the same host and port (Chromium, Firefox, Safari 15.4+; checked by e2e/tests/security.spec.ts),
 *   so no Host-derived ws: source is needed (it would let a forged Host header into a cached policy).
 * - style-src 'self': the built client has only a <link rel="stylesheet">; React's `style` props and
 *   uPlot set styles through the CSSOM, which CSP does not restrict, so 'unsafe-inline' is not needed.
 * - media-src/img-src blob:, data:: recorded or local media previews and the `data:,` favicon.
 * - 'wasm-unsafe-eval': compiling our own WebAssembly (RNNoise in an AudioWorklet); it allows no JS eval.
 */
export function contentSecurityPolicy(frameAncestors: readonly string[] = []): string {
  const directives: Record<string, string> = {
    'default-src': "'self'",
    'script-src': "'self' 'wasm-unsafe-eval'",
    'connect-src': "'self'",
    'media-src': "'self' blob: mediastream:",
    'img-src': "'self' data: blob:",
    'style-src': "'self'",
    'object-src': "'none'",
    'base-uri': "'none'",
    'form-action': "'self'",
    'frame-ancestors': frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'",
  };
  return Object.entries(directives)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}

/** Headers set on every HTTP response (client files, health, API, metrics, errors). */
export function securityHeaders(options: SecurityHeaderOptions = { frameAncestors: [] }): Record<string, string> {
  const headers: Record<string, string> = {
    'content-security-policy': contentSecurityPolicy(options.frameAncestors),
    'x-content-type-options': 'nosniff',
    // Room links are capabilities: they must not leak to other sites through Referer.
    'referrer-policy': 'no-referrer',
    'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self)',
    'cross-origin-opener-policy': 'same-origin',
  };
  // X-Frame-Options cannot name origins; with allowed framers CSP frame-ancestors alone decides.
  if (options.frameAncestors.length === 0) headers['x-frame-options'] = 'DENY';
  return headers;
}

/** `scheme://host[:port]` in canonical form (lower case, default port dropped), or null if not an http(s) origin. */
export function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // An origin has nothing after the host: a path, query or credentials mean it is something else.
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return null;
  if (value.endsWith('/')) return null;
  return url.origin;
}

/**
 * Whether a Socket.IO connection with this Origin header may proceed.
 * - No Origin: a non-browser client (browsers always send it on WebSocket and XHR); such a client
 *   could forge any header anyway, so refusing it would protect nothing.
 * - `allowed` empty: only the server's own origin, i.e. the Origin's host:port equals the Host header.
 * - `allowed` set: exactly those origins (this also shuts out DNS-rebinding hosts that pass the Host rule).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  const normalized = normalizeOrigin(origin);
  if (!normalized) return false; // "null" (sandboxed frames, file:) and other opaque or odd origins
  if (allowed.length > 0) return allowed.some((a) => normalizeOrigin(a) === normalized);
  if (!host) return false;
  const scheme = new URL(normalized).protocol;
  // Parse the Host header with the Origin's scheme so `example.com:443` equals `https://example.com`.
  const hostOrigin = normalizeOrigin(`${scheme}//${host}`);
  return hostOrigin !== null && hostOrigin === normalized;
}
