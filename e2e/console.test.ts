import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { STACK_OTP, randomPhone, repoRoot, startStack, type Stack } from '@wa/pkg/testing';

/*
 * Addenda M: the web console at /console/, in Debian's headless Chromium, against a real stack
 * whose gateway serves console/dist. Two browser contexts are two users on two devices; every
 * wait is for a marker in the page (data-testid and data-status attributes), never a fixed sleep.
 * With CONSOLE_SCREENSHOTS=<dir> it also saves the main screens there (docs/console holds them).
 */

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps calling Google's hosts, which this
// closed network refuses, and hangs.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PHONE = { width: 390, height: 780 };
const DESKTOP = { width: 1280, height: 800 };
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS;

let stack: Stack | undefined;
let browser: Browser | undefined;

before(async () => {
  // Up to date after make test's own build: a no-op then, a 2 s build when run alone.
  await promisify(execFile)('bash', ['scripts/console-build.sh'], { cwd: repoRoot });
  [stack, browser] = await Promise.all([
    startStack({
      services: [
        'user-service',
        'chat-service',
        'media-service',
        'message-service',
        'websocket-service',
      ],
    }),
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true }),
  ]);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function screenshot(page: Page, name: string) {
  if (!SCREENSHOTS) return;
  const dir = join(repoRoot, SCREENSHOTS);
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

interface Device {
  name: string;
  context: BrowserContext;
  page: Page;
  phone: string;
  /** Every frame its sockets sent (>) and received (<), for the report of a failed wait. */
  frames: string[];
}

function recordFrames(page: Page): string[] {
  const frames: string[] = [];
  const at = () => new Date().toISOString().slice(11, 23);
  page.on('websocket', (socket) => {
    frames.push(`${at()} open`);
    socket.on('framesent', ({ payload }) => frames.push(`${at()} > ${String(payload)}`));
    socket.on('framereceived', ({ payload }) => frames.push(`${at()} < ${String(payload)}`));
    socket.on('close', () => frames.push(`${at()} closed`));
  });
  return frames;
}

const LINES_REPORTED = 60;

/**
 * What a failed wait leaves behind: each screen (in .run/), and in the error itself each device's
 * latest frames and each service's latest log lines, since CI keeps only what the test printed.
 */
async function failureReport(error: unknown, devices: Device[], tag: string): Promise<Error> {
  for (const device of devices)
    await device.page
      .screenshot({ path: join(repoRoot, '.run', `console-failure-${tag}-${device.name}.png`) })
      .catch(() => {});
  const tail = (lines: string[]) => lines.slice(-LINES_REPORTED).join('\n');
  const sections = [
    ...devices.map((device) => `--- ${device.name}'s frames\n${tail(device.frames)}`),
    ...stack!.services
      .map((service) => ({ name: service.name, lines: service.output().split('\n') }))
      .filter(({ lines }) => lines.some(Boolean))
      .map(({ name, lines }) => `--- ${name}\n${tail(lines.filter(Boolean))}`),
  ];
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return new Error(`${message}\n${sections.join('\n')}`);
}

/** A fresh user on a device of its own: phone, the stack's OTP, then a display name. */
async function signIn(name: string, viewport: { width: number; height: number }, shot?: string) {
  const context = await browser!.newContext({ viewport });
  const page = await context.newPage();
  const frames = recordFrames(page);
  const phone = randomPhone();
  await page.goto(`${stack!.gateway}/console/`);
  await page.getByTestId('phone-input').fill(phone);
  if (shot) await screenshot(page, shot);
  await page.getByTestId('login-next').click();
  await page.getByTestId('otp-input').fill(STACK_OTP);
  await page.getByTestId('login-next').click();
  await page.getByTestId('profile-name').fill(name);
  await page.getByTestId('profile-save').click();
  await page.getByTestId('chat-list').waitFor();
  await page.locator('[data-connection="open"]').waitFor();
  return { name, context, page, phone, frames } satisfies Device;
}

const messageWith = (page: Page, text: string) =>
  page.getByTestId('message').filter({ hasText: text });

/** Waits until the message with this text shows the given status on its sender's screen. */
const statusOf = (page: Page, text: string, status: string) =>
  page
    .locator(`[data-testid="message"][data-mine="true"][data-status="${status}"]`)
    .filter({ hasText: text })
    .waitFor();

async function send(page: Page, text: string) {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('send').click();
}

const pngOf = (width: number, height: number) =>
  sharp({
    create: { width, height, channels: 3, background: { r: 37, g: 211, b: 102 } },
  })
    .composite([
      {
        input: Buffer.from(
          `<svg width="${width}" height="${height}"><circle cx="${width / 2}" cy="${height / 2}" r="${height / 3}" fill="#075e54"/></svg>`,
        ),
      },
    ])
    .png()
    .toBuffer();

describe('the web console', () => {
  test('two users chat with receipts, typing, presence, an image and a reconnect', async () => {
    const alice = await signIn('Alice', DESKTOP, 'login-desktop');
    const bob = await signIn('Bob', PHONE, 'login-phone');
    try {
      // Alice starts a direct chat with Bob's number; Bob's list gets it live (chat.created).
      await alice.page.getByTestId('new-chat').click();
      await alice.page.getByTestId('new-chat-phone').fill(bob.phone);
      await alice.page.getByTestId('new-chat-start').click();
      await alice.page.getByTestId('conversation').waitFor();
      await bob.page.getByTestId('chat-item').filter({ hasText: 'Alice' }).waitFor();

      // Bob is online and has not opened the chat: delivered (two grey ticks), then read.
      await alice.page.locator('[data-testid="presence"][data-online="true"]').waitFor();
      await send(alice.page, 'Hello Bob!');
      await statusOf(alice.page, 'Hello Bob!', 'delivered');
      const bobsItem = bob.page.getByTestId('chat-item').filter({ hasText: 'Alice' });
      await bobsItem.getByTestId('unread').filter({ hasText: '1' }).waitFor();
      await bobsItem.getByTestId('chat-preview').filter({ hasText: 'Hello Bob!' }).waitFor();
      await screenshot(bob.page, 'chat-list-phone');
      await bobsItem.click();
      await messageWith(bob.page, 'Hello Bob!').waitFor();
      await statusOf(alice.page, 'Hello Bob!', 'read');

      // Typing shows on Alice's side while Bob types, and goes when his message arrives.
      await bob.page.getByTestId('composer-input').pressSequentially('Hi Al', { delay: 20 });
      await alice.page.getByTestId('typing').waitFor();
      await bob.page
        .getByTestId('composer-input')
        .pressSequentially('ice, nice console', { delay: 5 });
      await bob.page.getByTestId('send').click();
      await messageWith(alice.page, 'Hi Alice, nice console').waitFor();
      await alice.page.getByTestId('typing').waitFor({ state: 'detached' });
      await statusOf(bob.page, 'Hi Alice, nice console', 'read');

      // A reply carries its quote to the other side.
      await messageWith(alice.page, 'Hi Alice, nice console').hover();
      await messageWith(alice.page, 'Hi Alice, nice console').getByTestId('message-menu').click();
      await alice.page.getByRole('menuitem', { name: 'Reply' }).click();
      await send(alice.page, 'Thanks! Sending a picture');
      await messageWith(bob.page, 'Thanks! Sending a picture')
        .getByTestId('quote')
        .filter({ hasText: 'Hi Alice, nice console' })
        .waitFor();

      // An image goes up through the gateway and shows, loaded, on Bob's screen.
      await alice.page.getByTestId('attach-input').setInputFiles({
        name: 'circle.png',
        mimeType: 'image/png',
        buffer: await pngOf(480, 320),
      });
      const image = bob.page.locator('[data-testid="message"][data-type="image"] img');
      await image.waitFor();
      // Loaded from its presigned S3 URL (a string: this file is type-checked without the DOM).
      await bob.page.waitForFunction(
        `(() => {
          const img = document.querySelector('[data-type="image"] img');
          return !!img && img.complete && img.naturalWidth > 0;
        })()`,
        undefined,
        { timeout: 15_000 },
      );
      await alice.page
        .locator('[data-testid="message"][data-type="image"][data-status="read"]')
        .waitFor();
      await screenshot(alice.page, 'conversation-desktop');
      await screenshot(bob.page, 'conversation-phone');

      // Bob goes offline: the banner shows, his send waits with a clock, Alice's waits at one tick.
      await bob.context.setOffline(true);
      await bob.page.locator('[data-testid="offline-banner"][data-state="offline"]').waitFor();
      await alice.page.locator('[data-testid="presence"][data-online="false"]').waitFor();
      await send(alice.page, 'Are you there?');
      await statusOf(alice.page, 'Are you there?', 'sent');
      await send(bob.page, 'Written on the train');
      await statusOf(bob.page, 'Written on the train', 'pending');
      await screenshot(bob.page, 'offline-phone');

      // Back online: the missed message arrives (replayed), the queued one is resent and read.
      await bob.context.setOffline(false);
      await bob.page.getByTestId('offline-banner').waitFor({ state: 'detached' });
      await messageWith(bob.page, 'Are you there?').waitFor();
      await statusOf(alice.page, 'Are you there?', 'read');
      await messageWith(alice.page, 'Written on the train').waitFor();
      await statusOf(bob.page, 'Written on the train', 'read');
      await alice.page.locator('[data-testid="presence"][data-online="true"]').waitFor();

      // The resend reused its client_msg_id: the message is there once on both sides.
      assert.equal(await messageWith(alice.page, 'Written on the train').count(), 1);
      assert.equal(await messageWith(bob.page, 'Written on the train').count(), 1);

      // Deleted for everyone: Bob sees the placeholder instead of the text.
      const doomed = messageWith(alice.page, 'Are you there?');
      await doomed.hover();
      await doomed.getByTestId('message-menu').click();
      await alice.page.getByTestId('delete-everyone').click();
      await messageWith(bob.page, 'This message was deleted').waitFor();
      assert.equal(await messageWith(bob.page, 'Are you there?').count(), 0);
    } catch (error) {
      throw await failureReport(error, [alice, bob], 'direct');
    } finally {
      await alice.context.close();
      await bob.context.close();
    }
  });
  test('a group: receipts from every member, sender names, admin actions and mute', async () => {
    const alice = await signIn('Alice', DESKTOP);
    const bob = await signIn('Bob', PHONE);
    const carol = await signIn('Carol', DESKTOP);
    const devices = [alice, bob, carol];
    try {
      await alice.page.getByTestId('new-chat').click();
      await alice.page.getByTestId('new-group-tab').click();
      await alice.page.getByTestId('group-name').fill('Weekend');
      await alice.page.getByTestId('group-phones').fill(`${bob.phone}\n${carol.phone}`);
      await alice.page.getByTestId('new-chat-start').click();
      await alice.page.getByTestId('conversation').waitFor();
      const groupItem = (device: Device) =>
        device.page.getByTestId('chat-item').filter({ hasText: 'Weekend' });
      await groupItem(bob).waitFor();
      await groupItem(carol).waitFor();

      // Delivered to both, read once both have opened the group.
      await send(alice.page, 'Plans for Saturday?');
      await statusOf(alice.page, 'Plans for Saturday?', 'delivered');
      await groupItem(bob).click();
      await groupItem(carol).click();
      await statusOf(alice.page, 'Plans for Saturday?', 'read');

      // Others' messages carry their sender's name.
      await send(bob.page, 'Hiking!');
      await messageWith(alice.page, 'Hiking!').locator('.sender', { hasText: 'Bob' }).waitFor();

      // Alice (the creator, an admin) makes Bob an admin and removes Carol.
      await alice.page.getByTestId('chat-header').click();
      const members = alice.page.getByTestId('group-members');
      const bobRow = members.getByTestId('member').filter({ hasText: 'Bob' });
      await bobRow.getByRole('button', { name: 'Make admin' }).click();
      await bobRow.locator('.role', { hasText: 'Admin' }).waitFor();
      await members
        .getByTestId('member')
        .filter({ hasText: 'Carol' })
        .getByRole('button', { name: 'Remove' })
        .click();
      await members.locator('h4', { hasText: '2 members' }).waitFor();
      await screenshot(alice.page, 'group-desktop');

      // Bob now has the admin controls, and mutes the group.
      await bob.page.getByTestId('chat-header').click();
      await bob.page.getByTestId('add-member-phone').waitFor();
      await bob.page.getByRole('button', { name: 'Close' }).click();
      await bob.page.getByTestId('mute-toggle').click();
      await bob.page.getByRole('button', { name: 'Back' }).click();
      await groupItem(bob).getByTestId('muted').waitFor();
    } catch (error) {
      throw await failureReport(error, devices, 'group');
    } finally {
      await Promise.all(devices.map((device) => device.context.close()));
    }
  });
});

describe('the API reference page', () => {
  test('/docs renders every operation of /openapi.json with nothing fetched from elsewhere', async () => {
    const spec = (await (await fetch(`${stack!.gateway}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const methods = new Set(['get', 'post', 'put', 'patch', 'delete']);
    const operations = Object.values(spec.paths).flatMap((item) =>
      Object.keys(item).filter((key) => methods.has(key)),
    ).length;
    const context = await browser!.newContext({ viewport: DESKTOP });
    try {
      const page = await context.newPage();
      const origin = new URL(stack!.gateway).origin;
      const elsewhere: string[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.protocol.startsWith('http') && url.origin !== origin) elsewhere.push(request.url());
      });
      await page.goto(`${stack!.gateway}/docs`);
      // Swagger UI draws one .opblock per operation once it has loaded the document. (Locators,
      // not a waitForFunction string: the page's CSP refuses eval, as it should.)
      const blocks = page.locator('.opblock');
      await blocks.nth(operations - 1).waitFor({ timeout: 30_000 });
      assert.equal(await blocks.count(), operations);
      assert.deepEqual(elsewhere, []);
    } finally {
      await context.close();
    }
  });
});
