// ort-bench.js — times one ONNX model with onnxruntime-node (CPU provider, 2 intra-op threads)
// Copyright 2026 The Carpalscope developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Usage: node ort-bench.js MODEL.onnx BATCH SECONDS THREADS
// Prints one JSON object: {"latency_ms": median, "images_per_s": ...}.
'use strict';
const ort = require('onnxruntime-node');

async function main() {
  const [model, batchText, secondsText, threadsText] = process.argv.slice(2);
  const batch = parseInt(batchText, 10);
  const seconds = parseFloat(secondsText);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: parseInt(threadsText, 10),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const data = new Float32Array(batch * 3 * 224 * 224);
  let state = 99;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = (state >>> 8) / (1 << 24) * 4 - 2;
  }
  const feeds = { input: new ort.Tensor('float32', data, [batch, 3, 224, 224]) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const times = [];
  const start = process.hrtime.bigint();
  while (times.length < 10 || Number(process.hrtime.bigint() - start) / 1e9 < seconds) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (times.length >= 1000) break;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(JSON.stringify({ latency_ms: median * 1e3, images_per_s: batch / median }));
}

main().catch((e) => { console.error(String(e)); process.exit(1); });
