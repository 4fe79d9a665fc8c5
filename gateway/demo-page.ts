/**
 * GET /demo/: the page of the product's manual test (two windows on one chat: send, cut the
 * network, see it reconnect and catch up), served by the reference gateway so a browser runs it
 * against the real chat endpoint, on the same origin.
 *
 * Only the files listed below are served; nothing is looked up from the request path. The stores
 * are the TypeScript files the fleet runs (examples/clients/<name>/store.ts); they go to the browser
 * with their types stripped (node:module stripTypeScriptTypes): no bundler, no generated copy to
 * drift from the source. An image built without them answers 404 for them.
 */
import { readFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';

const ROOT = new URL('..', import.meta.url);
const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

interface DemoFile {
  file: string;
  type: string;
  strip?: boolean;
}

const FILES: Record<string, DemoFile> = {
  '/demo/': { file: 'gateway/public/demo/index.html', type: HTML },
  '/demo/index.html': { file: 'gateway/public/demo/index.html', type: HTML },
  '/demo/app.js': { file: 'gateway/public/demo/app.js', type: JS },
  '/demo/stores/fixed-store.js': { file: 'examples/clients/fixed-store/store.ts', type: JS, strip: true },
  '/demo/stores/legacy-fallback-store.js': {
    file: 'examples/clients/legacy-fallback-store/store.ts',
    type: JS,
    strip: true,
  },
};

/** Answers a request whose path is /demo or starts with /demo/. */
export async function serveDemo(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' });
    res.end(JSON.stringify({ ok: false, error: 'method not allowed' }));
    return;
  }
  if (path === '/demo') {
    // Relative URLs in the page (./app.js) need the trailing slash; the query carries the token.
    const url = req.url ?? '/demo';
    res.writeHead(308, { location: `/demo/${url.includes('?') ? url.slice(url.indexOf('?')) : ''}` });
    res.end();
    return;
  }
  const entry = Object.hasOwn(FILES, path) ? FILES[path] : undefined;
  let body: Buffer | undefined;
  if (entry) {
    try {
      const raw = await readFile(new URL(entry.file, ROOT), 'utf8');
      body = Buffer.from(entry.strip ? stripTypeScriptTypes(raw, { mode: 'strip', sourceUrl: entry.file }) : raw);
    } catch {
      body = undefined;
    }
  }
  if (!entry || !body) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: 'not found' }));
    return;
  }
  res.writeHead(200, {
    'content-type': entry.type,
    'content-length': body.length,
    // Always the current source: the page is for tests and demos, not for caching.
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
