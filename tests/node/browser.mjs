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
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const text = async (selector) => ((await page.locator(selector).count()) ? page.locator(selector).innerText() : null);
  const sessionCookie = async () => (await context.cookies(url)).find((cookie) => cookie.name === 'demo_session') ?? null;

  await page.goto(url);
  seen.first = { visits: await text('#visits'), user: await text('#user'), notice: await text('#notice') };

  await page.fill('#name', 'Ada');
  await Promise.all([page.waitForURL(url + '/'), page.click('#login')]);
  seen.afterLogin = { visits: await text('#visits'), user: await text('#user'), notice: await text('#notice') };
  const cookie = await sessionCookie();
  seen.cookie = cookie && { httpOnly: cookie.httpOnly, sameSite: cookie.sameSite };
  await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });

  await page.reload();
  seen.afterReload = { visits: await text('#visits'), user: await text('#user'), notice: await text('#notice') };

  // Log out with the button: the response clears the cookie, and the page it
  // redirects to starts a fresh session.
  const [logout] = await Promise.all([
    page.waitForResponse((response) => response.url().endsWith('/logout')),
    page.click('#logout'),
  ]);
  await page.waitForURL(url + '/');
  seen.logoutSetCookie = (await logout.allHeaders())['set-cookie'] ?? null;
  seen.afterLogout = { visits: await text('#visits'), user: await text('#user') };
  seen.cookieReplaced = (await sessionCookie())?.value !== cookie?.value;

  // Log in again and log out without following the redirect: the browser's
  // cookie store no longer holds the session cookie.
  await page.fill('#name', 'Ada');
  await Promise.all([page.waitForURL(url + '/'), page.click('#login')]);
  seen.beforeRemoval = (await sessionCookie()) !== null;
  await context.request.post(url + '/logout', { maxRedirects: 0 });
  seen.afterRemoval = (await sessionCookie()) !== null;
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
