/**
 * Every response carries `x-request-id`: the caller's own (a load balancer's, a page server's)
 * when it is sane — 1 to 128 letters, digits and `._:-`, so it can neither forge a log line nor
 * a header — or a new UUID. Log lines about a request name it (`req.id`).
 */
import { randomUUID } from 'node:crypto';
import type { Next, Req, Res } from '../http.js';

const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdMiddleware() {
  return function mikr0RequestIdMiddleware(req: Req, res: Res, next: Next) {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && SANE.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', req.id);
    next();
  };
}
