/** Appends `item`, then drops the oldest entries beyond `max`: every log or history that grows at runtime stays bounded. */
export function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
