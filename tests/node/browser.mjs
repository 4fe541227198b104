// Drives the demo app in headless Chromium (Debian's /usr/bin/chromium) the
// way a person would, and prints what it saw as JSON.
//
// Usage: DEMO_URL=http://127.0.0.1:PORT SCREENSHOT=path.png node browser.mjs
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const url = process.env.DEMO_URL;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const seen = {};
const text = async (page, selector) =>
  (await page.locator(selector).count()) ? page.locator(selector).innerText() : null;
const view = async (page) => ({
  visits: await text(page, '#visits'),
  user: await text(page, '#user'),
  notice: await text(page, '#notice'),
});
const sessionCookie = async (context) =>
  (await context.cookies(url)).find((cookie) => cookie.name === 'demo_session') ?? null;
const logIn = async (page, name, { remember = false } = {}) => {
  await page.fill('#name', name);
  if (remember) await page.check('#remember');
  await Promise.all([page.waitForNavigation(), page.click('#login')]);
};

try {
  const context = await browser.newContext();
  const page = await context.newPage();

  await page.goto(url);
  seen.first = await view(page);

  // A page for logged-in users, before logging in: sent to log in, then back.
  await page.goto(url + '/account');
  seen.guarded = { path: new URL(page.url()).pathname + new URL(page.url()).search, text: await text(page, '#login-needed') };
  await logIn(page, 'Ada');
  seen.afterLogin = {
    path: new URL(page.url()).pathname,
    account: await text(page, '#account'),
    notice: await text(page, '#notice'),
  };
  const cookie = await sessionCookie(context);
  // Not "kept signed in": the cookie ends with the browser (-1: no expiry).
  seen.cookie = cookie && { httpOnly: cookie.httpOnly, sameSite: cookie.sameSite, expires: cookie.expires };
  await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });

  await page.goto(url);
  seen.home = await view(page);
  await page.reload();
  seen.afterReload = await view(page);

  // Log out with the button: the response clears the cookie, and the page it
  // redirects to starts a fresh session.
  const [logout] = await Promise.all([
    page.waitForResponse((response) => response.url().endsWith('/logout')),
    page.click('#logout'),
  ]);
  await page.waitForURL(url + '/');
  seen.logoutSetCookie = (await logout.allHeaders())['set-cookie'] ?? null;
  seen.afterLogout = { visits: await text(page, '#visits'), user: await text(page, '#user') };
  seen.cookieReplaced = (await sessionCookie(context))?.value !== cookie?.value;

  // Log out everywhere: the same user logged in in two browsers; logging out
  // everywhere in one logs the other out too.
  await logIn(page, 'Grace', { remember: true });
  const remembered = await sessionCookie(context);
  seen.rememberedCookieDays = Math.round((remembered.expires - Date.now() / 1000) / 86400);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(url + '/account');
  await logIn(otherPage, 'Grace');
  seen.otherBefore = await text(otherPage, '#account');
  await page.goto(url + '/account');
  await Promise.all([page.waitForNavigation(), page.click('#logout-everywhere')]);
  seen.afterEverywhere = await text(page, '#user');
  await otherPage.goto(url + '/account');
  seen.otherAfter = {
    path: new URL(otherPage.url()).pathname,
    text: await text(otherPage, '#login-needed'),
  };
  await other.close();

  // Your devices: Dana logs in in two browsers; the first lists both, this
  // one marked, and signs the other out, which is then logged out.
  await page.goto(url);
  await logIn(page, 'Dana');
  const second = await browser.newContext({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0' });
  const secondPage = await second.newPage();
  await secondPage.goto(url + '/account');
  await logIn(secondPage, 'Dana');
  await page.goto(url + '/account');
  const devices = async () => (await page.locator('#devices li').allInnerTexts()).map((line) => line.replace(/\s+/g, ' ').trim());
  seen.devices = await devices();
  await Promise.all([page.waitForNavigation(), page.click('#devices .sign-out')]);
  seen.afterSignOut = { notice: await text(page, '#notice'), devices: await devices() };
  await secondPage.goto(url + '/account');
  seen.secondAfterSignOut = new URL(secondPage.url()).pathname;
  await second.close();
  await Promise.all([page.waitForNavigation(), page.click('#logout')]);

  // Another site (another origin: another loopback port) posts a form to
  // the demo's logout, even with the user's own token in it: refused, and
  // the user stays logged in.
  await page.goto(url);
  await logIn(page, 'Ada');
  const token = await page.locator('input[name="_csrf"]').first().inputValue();
  const attacker = createServer((_, response) => {
    response.setHeader('Content-Type', 'text/html');
    response.end(`<!doctype html><form method="post" action="${url}/logout">
      <input type="hidden" name="_csrf" value="${token}"><button id="attack">Win a prize</button></form>`);
  });
  await new Promise((listening) => attacker.listen(0, '127.0.0.1', listening));
  const attackerUrl = `http://127.0.0.1:${attacker.address().port}/`;
  const attackerPage = await context.newPage();
  await attackerPage.goto(attackerUrl);
  const [attack] = await Promise.all([
    attackerPage.waitForResponse((response) => response.url() === url + '/logout'),
    attackerPage.click('#attack'),
  ]);
  seen.crossSitePost = {
    from: attackerUrl.replace(/:\d+\/$/, ''),
    status: attack.status(),
    text: await attack.text(),
    fetchSite: (await attack.request().allHeaders())['sec-fetch-site'] ?? null,
  };
  await attackerPage.close();
  attacker.close();
  await page.goto(url);
  seen.afterCrossSitePost = await text(page, '#user');

  // The demo's own page posting without the token: refused by the token check.
  seen.sameOriginWithoutToken = await page.evaluate(async (demo) => {
    const response = await fetch(demo + '/logout', { method: 'POST', body: new URLSearchParams({ next: '/' }) });
    return { status: response.status, text: await response.text() };
  }, url);

  // Log out without following the redirect: the browser's cookie store no
  // longer holds the session cookie.
  seen.beforeRemoval = (await sessionCookie(context)) !== null;
  await context.request.post(url + '/logout', { form: { _csrf: token }, maxRedirects: 0 });
  seen.afterRemoval = (await sessionCookie(context)) !== null;
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
