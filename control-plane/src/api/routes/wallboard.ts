/** The wallboard page (static HTML/JS/CSS, no build step) and the OpenAPI document. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouteGroup, type ApiRegistry } from '../openapi.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'wallboard');

export function wallboardRoutes(registry: ApiRegistry): RouteGroup {
  const files = {
    html: readFileSync(join(dir, 'index.html'), 'utf8'),
    js: readFileSync(join(dir, 'wallboard.js'), 'utf8'),
    css: readFileSync(join(dir, 'wallboard.css'), 'utf8'),
  };
  const routes = new RouteGroup(registry, '/wallboard', { tag: 'wallboard' });
  const send = (type: string, body: string) => (_req: unknown, res: import('express').Response) => {
    res.type(type).set('Cache-Control', 'no-cache').send(body);
  };
  routes.get('/', { summary: 'Wallboard page (live over /api/realtime; key in the #key= fragment)', roles: 'public', contentTypes: ['text/html'] }, send('html', files.html));
  routes.get('/wallboard.js', { summary: 'Wallboard script', roles: 'public', contentTypes: ['text/javascript'] }, send('js', files.js));
  routes.get('/wallboard.css', { summary: 'Wallboard styles', roles: 'public', contentTypes: ['text/css'] }, send('css', files.css));
  return routes;
}

export function openApiRoutes(registry: ApiRegistry): RouteGroup {
  const routes = new RouteGroup(registry, '/openapi.json', { tag: 'meta' });
  routes.get('/', { summary: 'This OpenAPI 3.1 document', roles: 'public' }, (_req, res) => {
    res.json(registry.document());
  });
  return routes;
}
