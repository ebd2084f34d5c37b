import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid environment: ${problems.join('; ')}. Fix the variable(s) and start again.`);
  }
}

/**
 * Parses process.env-like input with a zod object schema. Throws one ConfigError whose message
 * names every bad variable, its value and what is expected, so start-up fails in one clear line.
 */
export function parseEnv<S extends z.ZodType<object>>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  // `FOO=` (as compose writes an unset `${FOO:-}`) means unset, not an empty value.
  const result = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    const value = env[name];
    return `${name}=${JSON.stringify(value ?? '')} ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/** Runs several services' config parsers and reports all their problems in one ConfigError. */
export function collectConfig<T extends unknown[]>(...parsers: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = [];
  const results = parsers.map((parse) => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return results as T;
}

/** An integer port given as a string, e.g. PORT=3000. */
export const envPort = (fallback: number) =>
  z.coerce.number({ error: 'must be a port number (0-65535)' }).int('must be an integer').min(0, 'must be 0-65535').max(65535, 'must be 0-65535').default(fallback);

export const envInt = (fallback: number, min: number, max: number) =>
  z.coerce.number({ error: `must be a whole number from ${min} to ${max}` }).int('must be an integer').min(min, `must be >= ${min}`).max(max, `must be <= ${max}`).default(fallback);

export const envIp = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });

/** Comma-separated list, empty entries dropped. */
export const envList = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** true/false (also 1/0, yes/no). */
export const envBool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

/** A cluster's Redis: empty (no cluster) or a redis:// / rediss:// URL. */
export const envRedisUrl = z
  .string()
  .default('')
  .refine((u) => u === '' || /^rediss?:\/\/[^\s]+$/.test(u), 'must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)');
