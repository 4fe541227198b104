// Runs the reference middlewares for the cross-site interoperability tests,
// and prints what they did as JSON.
//
// Usage: node cross-site.mjs '<request as JSON>'
//
// mode "cop": runs @remix-run/cop-middleware's check on each of `requests`
//   ({method, url, headers}) with `options` ({trustedOrigins,
//   insecureBypassPatterns}); prints {verdicts: [reason or null, ...]}.
//
// mode "csrf": one request ({method, url, headers, body}) through a session
//   (storage "cookie" or "fs" in `dir`; the cookie `cookieName` with
//   `secrets`) and @remix-run/csrf-middleware, as an app with a session
//   middleware and a form-data middleware runs them. The handler answers
//   `token=<the session's CSRF token>`. Prints {status, body, setCookie}.
import { createCookie } from '@remix-run/cookie';
import { cop } from '@remix-run/cop-middleware';
import { csrf, getCsrfToken } from '@remix-run/csrf-middleware';
import { RequestContext } from '@remix-run/fetch-router';
import { Session } from '@remix-run/session';
import { createCookieSessionStorage } from '@remix-run/session/cookie-storage';
import { createFsSessionStorage } from '@remix-run/session/fs-storage';

const input = JSON.parse(process.argv[2]);

function contextOf({ method, url, headers, body }) {
  return new RequestContext(new Request(url, { method, headers: headers ?? {}, body: body ?? undefined }));
}

if (input.mode === 'cop') {
  const middleware = cop(input.options ?? {});
  const verdicts = [];
  for (const request of input.requests) {
    const response = await middleware(contextOf(request), async () => new Response('passed'));
    const text = await response.text();
    verdicts.push(response.status === 403 ? text : null);
  }
  console.log(JSON.stringify({ verdicts }));
} else {
  const cookie = createCookie(input.cookieName ?? 'session', { secrets: input.secrets });
  const storage = input.storage === 'fs' ? createFsSessionStorage(input.dir) : createCookieSessionStorage();
  const context = contextOf(input);
  const session = await storage.read(await cookie.parse(context.headers.get('Cookie')));
  context.set(Session, session);
  const type = context.headers.get('Content-Type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    context.set(FormData, await context.request.formData());
  }
  const response = await csrf()(context, async () => new Response(`token=${getCsrfToken(context)}`));
  const saved = await storage.save(session);
  console.log(
    JSON.stringify({
      status: response.status,
      body: await response.text(),
      setCookie: saved == null ? null : await cookie.serialize(saved),
    }),
  );
}
