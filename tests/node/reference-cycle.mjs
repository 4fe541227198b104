// The cookie-session request cycle of the reference packages, measured the
// same way as `bench/benches/request_cycle.rs`: parse the Cookie header,
// verify, decode, read a value, set a value, encode, sign, serialize.
// Prints the median time per cycle over several runs, in nanoseconds, as JSON.
import { createCookie } from '@remix-run/cookie';
import { createCookieSessionStorage } from '@remix-run/session/cookie-storage';
import { createMemorySessionStorage } from '@remix-run/session/memory-storage';
import { createSession } from '@remix-run/session';

const STORED = [
  {
    user_id: 1234567, name: 'Ada Lovelace', email: 'ada.lovelace@example.com', role: 'administrator',
    visits: 42, 'cart-unused': null,
    cart: [
      { sku: 'tea-earl-grey-250g', quantity: 2 }, { sku: 'scones-plain-6', quantity: 1 },
      { sku: 'jam-strawberry-340g', quantity: 1 },
    ],
    theme: 'dark-high-contrast', locale: 'en-GB', last_seen: 1790000000,
  },
  { notice: 'Your order was saved.' },
];

const cookie = createCookie('session', { secrets: ['a sufficiently long secret, 32 bytes'], httpOnly: true });

async function cycle(storage, header) {
  const value = await cookie.parse(header);
  const session = await storage.read(value);
  const visits = session.get('visits') ?? 0;
  session.set('visits', visits + 1);
  const saved = await storage.save(session);
  return cookie.serialize(saved);
}

async function headerFor(storage) {
  const session = createSession('0123456789abcdefghijklmn', STORED);
  session.set('visits', 42);
  const saved = await storage.save(session);
  return (await cookie.serialize(saved)).split(';')[0];
}

async function measure(storage) {
  const header = await headerFor(storage);
  const seconds = Number(process.env.SECONDS_PER_RUN ?? 1);
  const runs = [];
  for (let run = 0; run < 7; run++) {
    let count = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(seconds * 1e9));
    let now = start;
    while (now < end) {
      for (let i = 0; i < 100; i++) await cycle(storage, header);
      count += 100;
      now = process.hrtime.bigint();
    }
    runs.push(Number(now - start) / count);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

const result = {
  node: process.version,
  cookie_storage_ns: await measure(createCookieSessionStorage()),
  memory_storage_ns: await measure(createMemorySessionStorage()),
};
console.log(JSON.stringify(result));
