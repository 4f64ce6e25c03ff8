import { expect } from 'chai';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { metricsRequestListener } from '../../lib/prometheus/index.js';
import { escapes } from '../helpers/hostile.js';

/** A response that records its status and body, and throws as `node:http`'s does on a bad header or body. */
function fakeResponse() {
  let status: number | undefined;
  let body: unknown;
  const response = {
    headersSent: false,
    writeHead(code: number, headers: Record<string, string>) {
      for (const value of Object.values(headers)) {
        if (/[\r\n]/.test(value)) throw new TypeError('Invalid character in header content ["Content-Type"]');
      }
      status = code;
      this.headersSent = true;
      return this;
    },
    end(text: unknown) {
      if (typeof text !== 'string') throw new TypeError('The "chunk" argument must be of type string');
      body = text;
      return this;
    },
  };
  return { response: response as unknown as ServerResponse, seen: () => ({ status, body }) };
}

const get = { method: 'GET', url: '/metrics' } as IncomingMessage;

describe('metricsRequestListener', () => {
  const hostile: Record<string, object> = {
    'whose metrics() throws': { metrics: () => { throw new Error('boom'); }, contentType: 'text/plain' },
    'whose metrics() returns a thenable that throws': { metrics: () => ({ then: () => { throw new Error('then'); } }), contentType: 'text/plain' },
    'whose metrics() resolves to no string': { metrics: () => Promise.resolve(42), contentType: 'text/plain' },
    'whose contentType getter throws': { metrics: () => Promise.resolve('up 1\n'), get contentType(): string { throw new Error('type'); } },
    'whose contentType is no valid header': { metrics: () => Promise.resolve('up 1\n'), contentType: 'text/plain\nX: y' },
  }; // prettier-ignore
  for (const [what, registry] of Object.entries(hostile)) {
    it(`answers 500, and lets nothing escape, for a registry ${what}`, async () => {
      const { response, seen } = fakeResponse();
      // `escapes` waits a turn of the event loop: the registry's promise has settled by then.
      const escaped = await escapes(() => metricsRequestListener(registry as Registry)(get, response));
      expect(escaped).to.deep.equal({ unhandled: [], rejections: [] });
      expect(seen()).to.deep.equal({ status: 500, body: 'Collection failed\n' });
    });
  }

  it('serves a registry whose metrics() answers text at once, as prom-client before 13 did', async () => {
    const { response, seen } = fakeResponse();
    const registry = { metrics: () => 'up 1\n', contentType: 'text/plain' } as unknown as Registry;
    const escaped = await escapes(() => metricsRequestListener(registry)(get, response));
    expect(escaped).to.deep.equal({ unhandled: [], rejections: [] });
    expect(seen()).to.deep.equal({ status: 200, body: 'up 1\n' });
  });

  it('says what is wrong with its arguments at creation, rather than answer 404 or 500 to every scrape', () => {
    const registry = { metrics: () => Promise.resolve(''), contentType: 'text/plain' } as unknown as Registry;
    expect(() => metricsRequestListener(registry, 'metrics')).to.throw(
      RangeError,
      "`path` must be a path starting with '/', got 'metrics' (string)",
    );
    expect(() => metricsRequestListener(registry, { path: '/m' } as never)).to.throw(
      TypeError,
      '`path` must be a string, got [object Object] (object)',
    );
    expect(() => metricsRequestListener(undefined as never)).to.throw(
      TypeError,
      '`registry` must be a prom-client Registry, got undefined (undefined)',
    );
  });

  it('refuses a path no request can name, which would answer 404 to every scrape: a query, a space, a non-ASCII letter', async () => {
    const registry = { metrics: () => Promise.resolve('up 1\n'), contentType: 'text/plain' } as unknown as Registry;
    const expected = 'a path as a request names it (no query, fragment, dot segment, or character a client escapes)';
    for (const path of ['/metrics?format=text', '/metrics#top', '/pool metrics', '/métriques', '/a/../metrics']) {
      expect(() => metricsRequestListener(registry, path), path).to.throw(RangeError, `\`path\` must be ${expected}`);
    }
    // As a client sends it, the path is served.
    const { response, seen } = fakeResponse();
    metricsRequestListener(registry, '/m%C3%A9triques')({ method: 'GET', url: '/m%C3%A9triques' } as IncomingMessage, response);
    await escapes(() => undefined);
    expect(seen()).to.deep.equal({ status: 200, body: 'up 1\n' });
  }); // prettier-ignore
});
