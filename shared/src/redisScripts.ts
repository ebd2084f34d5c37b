/** What a Lua script can answer (Redis' nil is null). */
export type ScriptReply = string | number | null | ScriptReply[];
export interface ScriptSpec {
  numberOfKeys: number;
  lua: string;
}
/** The part of an ioredis client that scripts need (kept structural: this package does not depend on ioredis). */
export interface ScriptHost {
  defineCommand(name: string, definition: ScriptSpec): void;
}

/**
 * Registers Lua scripts on the client (ioredis runs them by hash, loading them again after a Redis restart)
 * and returns them as functions: keys first, then arguments. Each script runs atomically in Redis.
 */
export function defineScripts<T extends Record<string, ScriptSpec>>(redis: ScriptHost, scripts: T): { [K in keyof T]: (...args: (string | number)[]) => Promise<ScriptReply> } {
  for (const [name, script] of Object.entries(scripts)) redis.defineCommand(name, script);
  return redis as unknown as { [K in keyof T]: (...args: (string | number)[]) => Promise<ScriptReply> };
}
