// Drives the demo app in headless Chromium (Debian's /usr/bin/chromium) the
// way a person would, and prints what it saw as JSON.
//
// Usage: DEMO_URL=http://127.0.0.1:PORT SCREENSHOT=path.png node browser.mjs
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
const logIn = async (page, name) => {
  await page.fill('#name', name);
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
  seen.cookie = cookie && { httpOnly: cookie.httpOnly, sameSite: cookie.sameSite };
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
  await logIn(page, 'Grace');
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

  // Log in again and log out without following the redirect: the browser's
  // cookie store no longer holds the session cookie.
  await page.goto(url);
  await logIn(page, 'Ada');
  seen.beforeRemoval = (await sessionCookie(context)) !== null;
  await context.request.post(url + '/logout', { maxRedirects: 0 });
  seen.afterRemoval = (await sessionCookie(context)) !== null;
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
