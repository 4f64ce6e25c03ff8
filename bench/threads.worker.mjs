// The worker file of bench/threads.ts, plain JavaScript so that the threads load no TypeScript loader.
import { createHash } from 'node:crypto';

/** Hashes `seed` `rounds` times over (SHA-256): CPU work; `rounds: 0` makes a tiny task. */
export default function hash({ seed, rounds }) {
  let digest = seed;
  for (let round = 0; round < rounds; round++) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
}
