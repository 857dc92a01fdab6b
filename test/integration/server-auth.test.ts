/** `lakebench serve` refuses every request without the token, from a foreign Host or a foreign Origin. */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

let served: WorkbenchServer;

beforeAll(async () => {
  served = await startWorkbenchServer();
});
afterAll(async () => {
  await served?.stop();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request, so Host and Origin can be anything (fetch would not let us set Host). */
function request(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: served.server.port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = { 'content-type': 'application/json' };

describe('lakebench serve authentication', () => {
  it('answers 401 to the page, an asset and the API without a token', async () => {
    expect((await request('/')).status).toBe(401);
    expect((await request('/assets/app.js')).status).toBe(401);
    expect((await request('/api/workspace', { method: 'POST', headers: json, body: '{}' })).status).toBe(401);
    expect((await request('/api/events')).status).toBe(401);
  });

  it('answers 401 to a wrong token in the query, a cookie or a bearer header', async () => {
    expect((await request('/?token=wrong')).status).toBe(401);
    expect((await request('/', { headers: { cookie: 'lakebench_token=wrong' } })).status).toBe(401);
    const api = await request('/api/workspace', { method: 'POST', headers: { ...json, authorization: 'Bearer wrong' }, body: '{}' });
    expect(api.status).toBe(401);
    expect(api.body).not.toContain('sample');
  });

  it('swaps the token in the URL for an HttpOnly SameSite=Strict cookie and redirects to a token-less URL', async () => {
    const first = await request(`/?token=${served.token}`);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/');
    const cookie = first.headers['set-cookie']![0];
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0];

    const page = await request('/', { headers: { cookie: pair } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Lakebench</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const asset = await request('/assets/app.js', { headers: { cookie: pair } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    const api = await request('/api/workspace', { method: 'POST', headers: { ...json, cookie: pair }, body: '{}' });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body).value.root).toBe(served.lake);
  });

  it('accepts Authorization: Bearer for API calls', async () => {
    const api = await request('/api/connections', { method: 'POST', headers: { ...json, authorization: `Bearer ${served.token}` }, body: '{}' });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toEqual({ ok: true, value: [] });
  });

  it('answers 403 to a foreign Host (DNS rebinding), even with the token', async () => {
    const bearer = { authorization: `Bearer ${served.token}` };
    expect((await request('/', { headers: { ...bearer, host: `evil.example:${served.server.port}` } })).status).toBe(403);
    const api = await request('/api/workspace', { method: 'POST', headers: { ...json, ...bearer, host: 'evil.example' }, body: '{}' });
    expect(api.status).toBe(403);
  });

  it('answers 403 to a foreign Origin, even with the token', async () => {
    const headers = { ...json, authorization: `Bearer ${served.token}`, origin: 'http://evil.example' };
    expect((await request('/api/workspace', { method: 'POST', headers, body: '{}' })).status).toBe(403);
    const sameOrigin = { ...headers, origin: served.origin };
    expect((await request('/api/workspace', { method: 'POST', headers: sameOrigin, body: '{}' })).status).toBe(200);
  });

  it('refuses API calls that are not JSON POSTs and unknown methods', async () => {
    const bearer = { authorization: `Bearer ${served.token}` };
    expect((await request('/api/workspace', { headers: bearer })).status).toBe(405);
    const form = await request('/api/workspace', { method: 'POST', headers: { ...bearer, 'content-type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(400);
    const unknown = await request('/api/constructor', { method: 'POST', headers: { ...json, ...bearer }, body: '{}' });
    expect(unknown.status).toBe(404);
  });

  it('never writes the token to the request log', async () => {
    await request(`/?token=${served.token}`);
    await request('/api/workspace', { method: 'POST', headers: { ...json, authorization: `Bearer ${served.token}` }, body: '{}' });
    expect(served.logs.length).toBeGreaterThan(5);
    expect(served.logs.join('\n')).not.toContain(served.token);
    expect(served.logs).toContain('GET / 302');
  });
});
