import type { z } from 'zod';
import type { ProtocolError } from './errors.js';

export type Validated<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };

/** Parses untrusted input into a typed value or a BAD_REQUEST error naming each bad field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.infer<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  return {
    ok: false,
    error: {
      code: 'BAD_REQUEST',
      message: issues.map((i) => `${i.path}: ${i.message}`).join('; '),
      issues,
    },
  };
}
