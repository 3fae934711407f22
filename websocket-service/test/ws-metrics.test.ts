import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWsTestStack, TestSocket, type WsInstance, type WsTestStack } from './helpers.ts';

let stack: WsTestStack;
let instance: WsInstance;

before(async () => {
  stack = await startWsTestStack();
  instance = await stack.startWs();
});
after(async () => {
  await stack?.stop();
});

/** The value of the series `name` carrying every label given (0 when absent). */
async function metric(name: string, ...labels: string[]): Promise<number> {
  const origin = instance.url().replace(/^ws:/, 'http:').replace(/\/ws$/, '');
  const text = await (await fetch(`${origin}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('ws_connections counts open and authenticated sockets; ws_frames_total counts frames by event', async () => {
  const user = await stack.login();
  const signedIn = await TestSocket.open(instance.url(user.token));
  await signedIn.request('ping', {});
  const anonymous = await TestSocket.open(instance.url());
  try {
    assert.equal(await metric('ws_connections', 'state="open"'), 2);
    assert.equal(await metric('ws_connections', 'state="authenticated"'), 1);

    const pings = await metric('ws_frames_total', 'direction="in"', 'event="ping"');
    const sent = await metric('ws_frames_total', 'direction="out"');
    await signedIn.request('ping', {});
    signedIn.ws.send('not json');
    // The error frame answering the bad one is the marker that both were read.
    await signedIn.waitFor((frame) => frame.event === 'error');
    assert.equal(await metric('ws_frames_total', 'direction="in"', 'event="ping"'), pings + 1);
    assert.equal(await metric('ws_frames_total', 'direction="in"', 'event="invalid"'), 1);
    assert.ok((await metric('ws_frames_total', 'direction="out"')) >= sent + 2);
  } finally {
    await signedIn.close();
    await anonymous.close();
  }
});
