// Runs one request against the reference packages, for the interoperability
// tests: reads the session from a Cookie header, reads and changes it as told,
// saves it, and prints what happened as JSON.
//
// Usage: node interop.mjs '<request as JSON>'
//   storage: "cookie" | "fs"; dir: the fs storage's directory
//   secrets: the cookie's secrets; cookieHeader: the request's Cookie header
//   read: keys to `get`; set: {key: value}; flash: {key: value}; unset: [key]
//   regenerate: true | "delete"; destroy: true
import { createCookie } from '@remix-run/cookie';
import { createCookieSessionStorage } from '@remix-run/session/cookie-storage';
import { createFsSessionStorage } from '@remix-run/session/fs-storage';

const request = JSON.parse(process.argv[2]);
const cookie = createCookie(request.cookieName ?? 'session', { secrets: request.secrets ?? [] });
const storage =
  request.storage === 'fs' ? createFsSessionStorage(request.dir) : createCookieSessionStorage();

const value = await cookie.parse(request.cookieHeader ?? null);
const session = await storage.read(value);
const result = { cookieValue: value, id: session.id, read: {}, has: {} };
for (const key of request.read ?? []) {
  result.read[key] = session.get(key) ?? null;
  result.has[key] = session.has(key);
}
for (const [key, val] of Object.entries(request.set ?? {})) session.set(key, val);
for (const key of request.unset ?? []) session.unset(key);
for (const [key, val] of Object.entries(request.flash ?? {})) session.flash(key, val);
if (request.regenerate) session.regenerateId(request.regenerate === 'delete');
if (request.destroy) session.destroy();
result.newId = session.id;
result.data = session.data;
const saved = await storage.save(session);
result.setCookie = saved == null ? null : await cookie.serialize(saved);
console.log(JSON.stringify(result));
