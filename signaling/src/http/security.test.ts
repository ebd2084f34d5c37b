import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, normalizeOrigin, originAllowed, securityHeaders } from './security.js';

const directives = (csp: string) => new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));

describe('contentSecurityPolicy', () => {
  it('allows only own scripts, styles and connections, and no framing, plugins or base', () => {
    const csp = directives(contentSecurityPolicy());
    expect(Object.fromEntries(csp)).toEqual({
      'default-src': "'self'",
      'script-src': "'self' 'wasm-unsafe-eval'",
      'connect-src': "'self'",
      'media-src': "'self' blob: mediastream:",
      'img-src': "'self' data: blob:",
      'style-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'form-action': "'self'",
      'frame-ancestors': "'none'",
    });
    // WebAssembly compiles; JS eval and inline script or style stay forbidden.
    expect(contentSecurityPolicy()).not.toMatch(/'unsafe-(inline|eval|hashes)'/);
  });

  it('names the allowed framers in frame-ancestors', () => {
    expect(directives(contentSecurityPolicy(['https://a.example', 'https://b.example:8443'])).get('frame-ancestors')).toBe('https://a.example https://b.example:8443');
  });
});

describe('securityHeaders', () => {
  it('sets the hardening headers, X-Frame-Options DENY by default', () => {
    const h = securityHeaders();
    expect(h).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self)',
      'cross-origin-opener-policy': 'same-origin',
      'x-frame-options': 'DENY',
    });
    expect(h['content-security-policy']).toBe(contentSecurityPolicy());
  });

  it('drops X-Frame-Options when framers are allowed (it cannot name them; CSP decides)', () => {
    const h = securityHeaders({ frameAncestors: ['https://embed.example'] });
    expect(h['x-frame-options']).toBeUndefined();
    expect(h['content-security-policy']).toContain('frame-ancestors https://embed.example');
  });
});

describe('normalizeOrigin', () => {
  it.each([
    ['https://App.Example.com', 'https://app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
  ])('%s -> %s', (input, expected) => expect(normalizeOrigin(input)).toBe(expected));

  it.each(['null', '', 'app.example.com', 'https://app.example.com/', 'https://app.example.com/path', 'https://a.example; script-src *', 'https://u:p@a.example', 'ftp://a.example', 'file:///tmp'])(
    'rejects %j',
    (input) => expect(normalizeOrigin(input)).toBeNull(),
  );
});

describe('originAllowed', () => {
  it('allows requests without Origin (non-browser clients)', () => {
    expect(originAllowed(undefined, 'confer.example', [])).toBe(true);
    expect(originAllowed(undefined, undefined, ['https://other.example'])).toBe(true);
  });

  it('with no list, allows only the origin whose host:port is the Host header', () => {
    expect(originAllowed('http://127.0.0.1:3000', '127.0.0.1:3000', [])).toBe(true);
    expect(originAllowed('https://confer.example', 'confer.example', [])).toBe(true);
    expect(originAllowed('https://confer.example', 'CONFER.example:443', [])).toBe(true);
    expect(originAllowed('http://[::1]:3000', '[::1]:3000', [])).toBe(true);
    expect(originAllowed('https://evil.example', 'confer.example', [])).toBe(false);
    expect(originAllowed('http://127.0.0.1:3001', '127.0.0.1:3000', [])).toBe(false);
    expect(originAllowed('https://confer.example', 'confer.example:8443', [])).toBe(false);
    expect(originAllowed('https://confer.example', undefined, [])).toBe(false);
    expect(originAllowed('https://confer.example', 'confer.example/x', [])).toBe(false);
  });

  it('refuses opaque and malformed origins', () => {
    expect(originAllowed('null', 'confer.example', [])).toBe(false);
    expect(originAllowed('chrome-extension://abc', 'abc', [])).toBe(false);
    expect(originAllowed('garbage', 'garbage', [])).toBe(false);
  });

  it('with a list, allows exactly the listed origins (not even the Host rule)', () => {
    const allowed = ['https://confer.example', 'https://embed.example:8443'];
    expect(originAllowed('https://confer.example', 'internal:3000', allowed)).toBe(true);
    expect(originAllowed('https://EMBED.example:8443', 'internal:3000', allowed)).toBe(true);
    expect(originAllowed('https://embed.example', 'internal:3000', allowed)).toBe(false);
    expect(originAllowed('http://confer.example', 'internal:3000', allowed)).toBe(false);
    // A DNS-rebinding host passes the Host rule but not an explicit list.
    expect(originAllowed('http://rebind.example:3000', 'rebind.example:3000', allowed)).toBe(false);
  });
});
