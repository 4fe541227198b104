// Runs one request against the reference packages, for the interoperability
// tests: reads the session from a Cookie header, reads and changes it as told,
// saves it, and prints what happened as JSON.
//
// Usage: node interop.mjs '<request as JSON>'
//   storage: "cookie" | "fs" | "redis" | "memcache"; dir: the fs storage's
//   directory; url: the Redis URL; server: the memcached host:port;
//   ttl: the Redis or memcached storage's time to live in seconds
//   secrets: the cookie's secrets; cookieHeader: the request's Cookie header
//   read: keys to `get`; set: {key: value}; flash: {key: value}; unset: [key]
//   regenerate: true | "delete"; destroy: true
import { createCookie } from '@remix-run/cookie';
import { createCookieSessionStorage } from '@remix-run/session/cookie-storage';
import { createFsSessionStorage } from '@remix-run/session/fs-storage';
import { createRedisSessionStorage } from '@remix-run/session-storage-redis';
import { createMemcacheSessionStorage } from '@remix-run/session-storage-memcache';
import { createClient } from 'redis';

const request = JSON.parse(process.argv[2]);
const cookie = createCookie(request.cookieName ?? 'session', { secrets: request.secrets ?? [] });
let redis = null;
let storage;
switch (request.storage) {
  case 'fs':
    storage = createFsSessionStorage(request.dir);
    break;
  case 'redis':
    redis = await createClient({ url: request.url }).connect();
    storage = createRedisSessionStorage(redis, { ttl: request.ttl });
    break;
  case 'memcache':
    storage = createMemcacheSessionStorage(request.server, { ttlSeconds: request.ttl ?? 0 });
    break;
  default:
    storage = createCookieSessionStorage();
}

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
if (redis) await redis.quit();
console.log(JSON.stringify(result));
