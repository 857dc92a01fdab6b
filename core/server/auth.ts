/**
 * Who may talk to `lakebench serve`: only a page on this very server, opened by someone who was shown
 * the token. Checked on every request (page, assets, API, events):
 * - Host must be this server (127.0.0.1:<port> or localhost:<port>): a DNS-rebinding page reaches the
 *   loopback port under its own host name and is refused;
 * - Origin, when sent, must be this server: other sites' pages can send requests but not read answers,
 *   and must not trigger anything either (CSRF);
 * - the token, from the HttpOnly SameSite=Strict cookie, an `Authorization: Bearer` header or (only to
 *   be exchanged for the cookie) the `?token=` of the printed URL.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE_NAME = 'lakebench_token';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export type Verdict =
  | { ok: true; via: 'cookie' | 'bearer' | 'query' }
  | { ok: false; status: 401 | 403; reason: string };

export function checkRequest(req: IncomingMessage, token: string, port: number): Verdict {
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!allowedHosts.includes(req.headers.host ?? '')) return { ok: false, status: 403, reason: 'foreign Host' };
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedHosts.some((host) => origin === `http://${host}`)) {
    return { ok: false, status: 403, reason: 'foreign Origin' };
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') return { ok: false, status: 403, reason: 'cross-site request' };
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return sameToken(bearer, token) ? { ok: true, via: 'bearer' } : unauthorized;
  const fromQuery = new URL(req.url ?? '/', 'http://host').searchParams.get('token');
  if (fromQuery !== null) return sameToken(fromQuery, token) ? { ok: true, via: 'query' } : unauthorized;
  const cookie = cookieValue(req.headers.cookie, COOKIE_NAME);
  if (cookie !== undefined && sameToken(cookie, token)) return { ok: true, via: 'cookie' };
  return unauthorized;
}

const unauthorized: Verdict = { ok: false, status: 401, reason: 'no valid token' };

export function sessionCookie(token: string): string {
  return `${COOKIE_NAME}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Constant-time comparison (hashing first makes the lengths equal). */
function sameToken(given: string, token: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
