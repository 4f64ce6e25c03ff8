// The worker file of demos/threads.ts: CPU work and a runaway. A production worker file is compiled JavaScript;
// this TypeScript one loads because the threads inherit the `tsx` loader of `npm run demo:threads`.
import { createHash } from 'node:crypto';

/** What one hashing task is given. */
export interface HashJob {
  readonly seed: string;
  readonly rounds: number;
}

/** Hashes `seed` `rounds` times over (SHA-256): pure CPU, about 1 µs a round. */
export default function hash({ seed, rounds }: HashJob): string {
  let digest = seed;
  for (let round = 0; round < rounds; round++) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
}

/** Never returns: only terminating its thread stops it. */
export function runaway(): never {
  for (;;);
}
