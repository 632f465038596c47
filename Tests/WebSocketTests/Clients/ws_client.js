// A scripted WebSocket client on node's `ws` (Debian's node-ws; run with NODE_PATH=/usr/share/nodejs).
// Usage: node ws_client.js URL SCRIPT_JSON. The script language and the output lines are
// ws_client.py's, for the steps send, send_text, recv, recv_until, sleep, close and wait_closed.
'use strict';
const WebSocket = require('ws');

const [url, scriptText] = process.argv.slice(2);
const script = JSON.parse(scriptText);
const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');

const inbox = [];
let waiter = null;
let closed = null;

function deliver(item) {
  if (waiter) { const w = waiter; waiter = null; w(item); } else { inbox.push(item); }
}

function next(timeoutSeconds) {
  if (inbox.length) return Promise.resolve(inbox.shift());
  if (closed) return Promise.resolve({ closed });
  return new Promise((resolve) => {
    const timer = setTimeout(() => { waiter = null; resolve({ timeout: true }); }, timeoutSeconds * 1000);
    waiter = (item) => { clearTimeout(timer); resolve(item); };
  });
}

async function receive(timeoutSeconds) {
  const item = await next(timeoutSeconds);
  if (item.timeout || item.closed) return item;
  try {
    const frame = JSON.parse(item.text);
    emit({ frame });
    return { frame };
  } catch (error) {
    emit({ text: item.text });
    return {};
  }
}

const matches = (frame, pattern) =>
  frame && typeof frame === 'object' && Object.entries(pattern).every(([k, v]) => JSON.stringify(frame[k]) === JSON.stringify(v));

async function run() {
  const options = script.connect || {};
  const ws = new WebSocket(url, { headers: options.headers || {}, origin: options.origin });
  ws.on('message', (data, isBinary) => deliver({ text: isBinary ? data.toString('hex') : data.toString('utf8') }));
  ws.on('close', (code, reason) => { closed = { code, reason: reason.toString() }; deliver({ closed }); });
  const opened = await new Promise((resolve) => {
    ws.on('open', () => resolve({ ok: true }));
    ws.on('unexpected-response', (request, response) => resolve({ status: response.statusCode }));
    ws.on('error', (error) => resolve({ error: error.code || error.message }));
  });
  if (!opened.ok) {
    emit({ connect_failed: opened.status ? { status: opened.status } : { error: opened.error } });
    emit({ done: true });
    return;
  }
  steps: for (const [index, step] of (script.steps || []).entries()) {
    const timeout = step.timeout || 10;
    if ('send' in step) ws.send(JSON.stringify(step.send));
    else if ('send_text' in step) ws.send(step.send_text);
    else if ('sleep' in step) await new Promise((r) => setTimeout(r, step.sleep * 1000));
    else if ('close' in step) { ws.close(step.close || 1000); await next(5); emit({ closed: { code: step.close || 1000, reason: '', by: 'client' } }); break; }
    else if ('recv' in step || 'recv_until' in step || 'wait_closed' in step) {
      let wanted = 'recv' in step ? step.recv : (step.count || 1);
      while (wanted > 0) {
        const got = await receive('wait_closed' in step ? step.wait_closed : timeout);
        if (got.closed) { emit({ closed: got.closed }); break steps; }
        if (got.timeout) { emit({ timeout: index }); break steps; }
        if ('recv' in step || ('recv_until' in step && matches(got.frame, step.recv_until))) wanted -= 1;
      }
    }
  }
  if (!closed) ws.terminate();
  emit({ done: true });
}

run().then(() => process.exit(0), (error) => { emit({ error: String(error) }); process.exit(1); });
