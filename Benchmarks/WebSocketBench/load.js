// Load generator for WebSocketBench, on node's `ws` (NODE_PATH=/usr/share/nodejs).
//   node load.js stream URL CONNECTIONS CHUNKS SIZE   every connection runs one chat of CHUNKS chunks of SIZE bytes
//   node load.js ttfb URL COUNT                        COUNT sequential one-chunk chats: time to the first chunk
//   node load.js idle URL CONNECTIONS                  opens CONNECTIONS idle connections, holds them until stdin closes
// Prints one JSON line with the figures.
'use strict';
const WebSocket = require('ws');
const [mode, url, a, b, c] = process.argv.slice(2);
const print = (value) => process.stdout.write(JSON.stringify(value) + '\n');

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function stream(connections, chunks, size) {
  const sockets = [];
  for (let i = 0; i < connections; i++) sockets.push(await open());
  let received = 0, errors = 0, done = 0;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => {
    sockets.forEach((ws, i) => {
      ws.on('message', (data) => {
        const text = data.toString();
        if (text.includes('"status":"chunk"')) received += 1;
        else if (text.includes('"status":"completed"') || text.includes('"status":"error"')) {
          if (text.includes('"status":"error"')) errors += 1;
          if (++done === connections) resolve();
        }
      });
      ws.on('close', () => { errors += 1; if (++done === connections) resolve(); });
      ws.send(JSON.stringify({ action: 'chat', request_id: 'r' + i, payload: { text: `${chunks} ${size}` } }));
    });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  print({ connections, chunks: received, seconds, chunks_per_second: received / seconds, errors });
  sockets.forEach((ws) => ws.terminate());
}

async function ttfb(count) {
  const ws = await open();
  const samples = [];
  for (let i = 0; i < count; i++) {
    const sent = process.hrtime.bigint();
    let first = null;
    await new Promise((resolve) => {
      const onMessage = (data) => {
        const text = data.toString();
        if (first === null && text.includes('"status":"chunk"')) first = process.hrtime.bigint();
        if (text.includes('"status":"completed"')) { ws.off('message', onMessage); resolve(); }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ action: 'chat', request_id: 't' + i, payload: { text: '1 16', conversation_id: 'c' + i } }));
    });
    samples.push(Number(first - sent) / 1e6);
  }
  samples.sort((x, y) => x - y);
  const at = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  print({ count, p50_ms: at(0.5), p99_ms: at(0.99), max_ms: samples[samples.length - 1] });
  ws.terminate();
}

async function idle(connections) {
  const sockets = [];
  let failed = 0;
  for (let i = 0; i < connections; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(connections, i + 200); j++) batch.push(open().then((ws) => sockets.push(ws), () => { failed += 1; }));
    await Promise.all(batch);
  }
  print({ open: sockets.length, failed });
  process.stdin.on('end', () => { sockets.forEach((ws) => ws.terminate()); process.exit(0); });
  process.stdin.resume();
}

const run = { stream: () => stream(+a, +b, +c), ttfb: () => ttfb(+a), idle: () => idle(+a) }[mode];
run().catch((error) => { print({ error: String(error) }); process.exit(1); });
