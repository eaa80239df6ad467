#!/usr/bin/env node
// Checks Bramble against ONNX Runtime on any ONNX models: the same TestPattern input through both,
// every output compared (max-abs error relative to the output's scale).
//   node bench/ort/verify.js MODEL.onnx[:name=1x3x224x224,...] ... [--tolerance 1e-3] [--threads N]
// Symbolic input dimensions must be bound after the colon. Exit status 1 if any model differs.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const { execFileSync } = require('child_process');
const npy = require('./npy');

const root = path.join(__dirname, '..', '..');
let tolerance = 1e-3, threads = 1;
const specs = [];
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--tolerance') tolerance = Number(process.argv[++i]);
  else if (a === '--threads') threads = Number(process.argv[++i]);
  else specs.push(a);
}

function loadOrt() {
  return require(path.join(process.env.BRAMBLE_ORT_DIR || path.join(root, '.cache', 'ort', 'node_modules'), 'onnxruntime-node'));
}

async function verify(spec) {
  const [model, shapesText] = spec.split(/:(?=[^/]*$)/);
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, logSeverityLevel: 3 });
  const bound = Object.fromEntries((shapesText || '').split(',').filter(s => s).map(s => {
    const [n, d] = s.split('='); return [n, d.split('x').map(Number)];
  }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bramble-verify-'));
  const feeds = {}, args = ['run', model, '--output-dir', path.join(dir, 'out'), '--threads', String(threads)];
  let seed = 1;
  for (const name of session.inputNames) {
    const meta = session.inputMetadata ? session.inputMetadata.find(m => m.name === name) : null;
    const dims = bound[name] || (meta && meta.shape);
    if (!dims || dims.some(d => typeof d !== 'number' || d < 0)) throw new Error(`${model}: bind input '${name}' (MODEL:${name}=1x3x224x224)`);
    const count = dims.reduce((a, b) => a * b, 1);
    const t = new ort.Tensor('float32', npy.pattern(count, seed++), dims);
    feeds[name] = t;
    const file = path.join(dir, `in${seed}.npy`);
    npy.write(file, t);
    args.push('--input', `${name}=${file}`);
  }
  const expected = await session.run(feeds);
  execFileSync(path.join(root, 'scripts', 'bramble'), args, { stdio: ['ignore', 'ignore', 'inherit'] });
  let worst = 0;
  for (const [name, t] of Object.entries(expected)) {
    const actual = npy.read(path.join(dir, 'out', name.replace(/[^A-Za-z0-9_.-]/g, '_') + '.npy'));
    if (actual.shape.join('x') !== t.dims.join('x')) throw new Error(`${name}: shape ${actual.shape} vs ORT ${t.dims}`);
    let scale = 1e-30, err = 0;
    for (let i = 0; i < t.data.length; i++) {
      scale = Math.max(scale, Math.abs(Number(t.data[i])));
      err = Math.max(err, Math.abs(Number(t.data[i]) - Number(actual.data[i])));
    }
    worst = Math.max(worst, err / scale);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return worst;
}

(async () => {
  let bad = 0;
  for (const spec of specs) {
    try {
      const err = await verify(spec);
      const ok = err <= tolerance;
      if (!ok) bad++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${path.basename(spec)}  max-abs error relative to output scale = ${err.toExponential(2)}`);
    } catch (e) {
      bad++;
      console.log(`FAIL ${path.basename(spec)}  ${e.message.split('\n')[0]}`);
    }
  }
  process.exit(bad ? 1 : 0);
})();
