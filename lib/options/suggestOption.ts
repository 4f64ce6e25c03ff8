/**
 * "Did you mean …?" for an unknown option: the option a typo or a habit from another library was meant to be.
 * Used only to build an error message, so it favours a clear rule over speed.
 */

/** An option of ours that a name from another library stands for, and how to write it here if it is nested. */
interface PeerName {
  /** The option of ours; the suggestion applies only where it is a known option. */
  readonly option: string;
  /** How to write it, when that is more than its name (a nested option). */
  readonly as?: string;
  /** What to know besides the name. */
  readonly hint?: string;
}

const ABORT_HINT =
  "it takes an Observable, e.g. `fromEvent(signal, 'abort').pipe(map(() => signal.reason))` " +
  '(an already aborted signal fires no more: check `signal.aborted` first)';

/**
 * Option names of p-queue, p-map, p-limit, p-retry, ky, pino and `fetch`, keyed in lower case, each with the options of
 * ours it may stand for, first match wins: `minTimeout` is `baseDelayMs` among backoff options, and
 * `backoff: { baseDelayMs }` among a pool's.
 */
const PEER_NAMES = new Map<string, readonly PeerName[]>([
  ['concurrency', [{ option: 'maxWorkers' }]],
  ['retries', [{ option: 'maxRetries' }]],
  ['retry', [{ option: 'maxRetries' }]],
  ['maxattempts', [{ option: 'maxRetries', hint: 'it counts retries after the first attempt: maxAttempts - 1' }]],
  ['timeout', [{ option: 'taskTimeoutMs' }]],
  ['signal', [{ option: 'abort$', hint: ABORT_HINT }]],
  ['abortsignal', [{ option: 'abort$', hint: ABORT_HINT }]],
  ['mintimeout', [{ option: 'baseDelayMs' }, { option: 'backoff', as: 'backoff: { baseDelayMs }' }]],
  ['maxtimeout', [{ option: 'maxDelayMs' }, { option: 'backoff', as: 'backoff: { maxDelayMs }' }]],
  ['factor', [{ option: 'backoff', as: 'backoff: { factor }' }]],
  ['randomize', [{ option: 'jitter' }, { option: 'backoff', as: "backoff: { jitter: 'full' }" }]],
  ['onfailedattempt', [{ option: 'onRetry' }]],
  ['intervalcap', [{ option: 'limit' }, { option: 'rateLimit', as: 'rateLimit: { limit, intervalMs }' }]],
  ['interval', [{ option: 'intervalMs' }, { option: 'rateLimit', as: 'rateLimit: { limit, intervalMs }' }]],
  ['level', [{ option: 'logLevel' }]],
]);

/** The most options a suggestion names; past it, the guess is too loose to help. */
const MAX_SUGGESTIONS = 3;

/**
 * What `key`, an unknown option, was probably meant to be among `known`, as the end of an error message
 * (`` did you mean `maxWorkers`? ``), or `undefined` when nothing is close. The first rule that finds something
 * wins, all compared without case:
 * 1. the same name in another case (`maxworkers`);
 * 2. the name another library gives an option of ours (`concurrency`: `maxWorkers`, `retries`: `maxRetries`,
 *    `timeout`: `taskTimeoutMs`, `signal`: `abort$`);
 * 3. a typo: at most 2 edits (insert, delete, replace, or swap two neighbours), and at most one per three
 *    characters of the key, so that a short key is not matched to just any short name (`base` is not `name`);
 * 4. a part of the name: the key is in a known name or a known name is in the key (`timeoutMs`:
 *    `taskTimeoutMs`, `poolName`: `name`), for parts of 4 characters or more.
 * Where several options are as close, each is named (`delay`: `baseDelayMs` or `maxDelayMs`), up to three.
 * @internal
 */
export function suggestOption(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameName = known.filter((option) => option.toLowerCase() === lower);
  if (sameName.length > 0) return didYouMean(sameName);
  const peer = PEER_NAMES.get(lower)?.find(({ option }) => known.includes(option));
  if (peer) return didYouMean([peer.as ?? peer.option], peer.hint);
  let best = Math.min(2, Math.floor(key.length / 3));
  let closest: string[] = [];
  for (const option of known) {
    const distance = editDistance(lower, option.toLowerCase());
    if (distance < best) [best, closest] = [distance, [option]];
    else if (distance === best) closest.push(option);
  }
  if (closest.length > 0) return didYouMean(closest);
  const parts = known.filter((option) => {
    const name = option.toLowerCase();
    return (lower.length >= 4 && name.includes(lower)) || (name.length >= 4 && lower.includes(name));
  });
  return parts.length > 0 ? didYouMean(parts) : undefined;
}

function didYouMean(options: readonly string[], hint?: string): string | undefined {
  if (options.length > MAX_SUGGESTIONS) return undefined;
  const names = options.map((option) => `\`${option}\``);
  const listed = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return `did you mean ${listed}?${hint ? ` ${hint}` : ''}`;
}

/**
 * The optimal-string-alignment distance (Damerau–Levenshtein without editing a substring twice): the fewest
 * insertions, deletions, replacements and swaps of two neighbouring characters that turn `a` into `b`.
 * @internal
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the classic table: the one before the previous one is what a swap needs.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, before[j - 2]! + 1);
      }
      row.push(distance);
    }
    [before, previous] = [previous, row];
  }
  return previous[b.length]!;
}
