import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { checkString, describeValue, readProperty } from '../options/validate.js';

/**
 * A `node:http` request listener that serves `registry`'s metrics in Prometheus's text format at `path` (GET or
 * HEAD), and 404 elsewhere; a registry whose collection fails (it throws, rejects, or gives no text) answers 500,
 * and nothing it does escapes the listener. For a demo, or a service with no HTTP framework; with one, serve
 * `await registry.metrics()` with `registry.contentType` from a route.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { metricsRequestListener, prometheusCollector } from 'rx-worker-pool/prometheus';
 *
 * const { registry } = prometheusCollector(pool, { poolName: 'pages' });
 * createServer(metricsRequestListener(registry)).listen(9464);
 * ```
 * @throws TypeError or RangeError at creation when `registry` is no registry or `path` is none a request can name
 *   (it does not start with `/`, or has a query, a fragment, a dot segment or a character a client escapes).
 */
export function metricsRequestListener(
  registry: Registry,
  path = '/metrics',
): (request: IncomingMessage, response: ServerResponse) => void {
  // Checked here: a listener made with a wrong one would answer every scrape with a 404 or a 500.
  if (
    typeof registry !== 'object' ||
    registry === null ||
    typeof readProperty('registry', registry, 'metrics') !== 'function'
  ) {
    throw new TypeError(`\`registry\` must be a prom-client Registry, got ${describeValue(registry)}`);
  }
  checkString('path', path);
  if (!path.startsWith('/'))
    throw new RangeError(`\`path\` must be a path starting with '/', got ${describeValue(path)}`);
  // Matched against the request's path as a client sends it: escaped, without its query, dot segments resolved.
  if (new URL(`http://localhost${path}`).pathname !== path) {
    const expected = 'a path as a request names it (no query, fragment, dot segment, or character a client escapes)';
    throw new RangeError(`\`path\` must be ${expected}, got ${describeValue(path)}`);
  }
  return (request, response) => {
    const url = (request.url ?? '').split('?')[0];
    if ((request.method !== 'GET' && request.method !== 'HEAD') || url !== path) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    // Whatever the registry does (throw, answer no Promise or no text, a content type that is no header) ends in
    // a 500: a request listener that throws, or a Promise rejected unhandled, would end the host process.
    new Promise<unknown>((resolve) => resolve(registry.metrics()))
      .then((text) => {
        if (typeof text !== 'string') throw new TypeError('The registry gave no text');
        response.writeHead(200, { 'Content-Type': registry.contentType }).end(text);
      })
      // What failed stays in the server: a scrape learns only that the collection failed.
      .catch(() => {
        try {
          response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Collection failed\n');
        } catch {
          response.destroy();
        }
      });
  };
}
