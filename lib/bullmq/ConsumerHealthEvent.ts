/**
 * What a consumer reports about its health, apart from its tasks: the BullMQ worker's errors, its connection
 * dropping and coming back (BullMQ's known failure is a worker that silently stops after a reconnect: watch for a
 * `disconnected` with no `ready` after it), locks lost, and jobs its stalled check took back.
 *
 * @example
 * ```ts
 * consumer.health$.subscribe((event) => {
 *   if (event.type === 'worker-error') console.error(event.error);
 * });
 * ```
 */
export type ConsumerHealthEvent =
  | { readonly type: 'ready'; readonly at: number }
  | { readonly type: 'disconnected'; readonly at: number }
  | { readonly type: 'worker-error'; readonly at: number; readonly error: unknown }
  | { readonly type: 'publish-failed'; readonly at: number; readonly error: unknown }
  | { readonly type: 'lock-lost'; readonly at: number; readonly jobIds: readonly string[] }
  | { readonly type: 'stalled'; readonly at: number; readonly jobId: string };
