#!/usr/bin/env node
// Runs a model with ONNX Runtime (onnxruntime-node) — the peer and numerical oracle.
//   node ort-run.js MODEL [--input name=file.npy | --pattern name=1x3x64x64[:seed]]... [--output-dir DIR]
//                   [--threads N] [--bench N] [--warmup N] [--json] [--profile FILE]
// With --bench, prints latency statistics (median/min/p90 ms), load time and peak RSS.
// With --profile, ORT's own profiler records every run (warm-up and timed) and its trace-event JSON
// (per-node kernel times) is written to FILE; bench/ort/profile-compare.js sets it beside `bramble profile`.
'use strict';
const path = require('path');
const fs = require('fs');
const npy = require('./npy');

function loadOrt() {
  const roots = [process.env.BRAMBLE_ORT_DIR, path.join(__dirname, '..', '..', '.cache', 'ort', 'node_modules')].filter(Boolean);
  for (const r of roots) {
    try { return require(path.join(r, 'onnxruntime-node')); } catch (e) { /* try next */ }
  }
  throw new Error('onnxruntime-node not found: run scripts/fetch-models.sh first');
}

function parseArgs(argv) {
  const args = { inputs: [], patterns: [], threads: 1, bench: 0, warmup: 3, outputDir: null, json: false, profile: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--input') args.inputs.push(argv[++i]);
    else if (a === '--pattern') args.patterns.push(argv[++i]);
    else if (a === '--output-dir') args.outputDir = argv[++i];
    else if (a === '--threads') args.threads = Number(argv[++i]);
    else if (a === '--bench') args.bench = Number(argv[++i]);
    else if (a === '--warmup') args.warmup = Number(argv[++i]);
    else if (a === '--json') args.json = true;
    else if (a === '--profile') args.profile = argv[++i];
    else if (!args.model) args.model = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!args.model) throw new Error('usage: ort-run.js MODEL [--input name=file.npy] [--pattern name=dims[:seed]] ...');
  return args;
}

function peakRssBytes() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

let profileFolder = null;
function profileDir(file) {
  profileFolder = fs.mkdtempSync(path.join(path.dirname(path.resolve(file)), '.ort-profile-'));
  return profileFolder;
}

/** Ends profiling and moves ORT's trace (the one file in the fresh folder) to FILE. */
function finishProfile(session, file) {
  session.endProfiling();
  const written = fs.readdirSync(profileFolder).filter(f => f.endsWith('.json'));
  if (written.length !== 1) throw new Error(`expected one ORT profile in ${profileFolder}, found ${written.length}`);
  fs.renameSync(path.join(profileFolder, written[0]), file);
  fs.rmSync(profileFolder, { recursive: true, force: true });
  return file;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const ort = loadOrt();
  const feeds = {};
  for (const spec of args.inputs) {
    const [name, file] = spec.split(/=(.*)/s);
    const t = npy.read(file);
    feeds[name] = new ort.Tensor(t.type, t.data, t.shape);
  }
  for (const spec of args.patterns) {
    const [name, rest] = spec.split(/=(.*)/s);
    const [dims, seed] = rest.split(':');
    const shape = dims.split('x').map(Number);
    const count = shape.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor('float32', npy.pattern(count, Number(seed || 0)), shape);
  }
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(args.model, {
    intraOpNumThreads: args.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // ORT names the trace PREFIX_<timestamp>.json itself: a fresh folder makes it the only file to pick up.
    ...(args.profile ? { enableProfiling: true, profileFilePrefix: path.join(profileDir(args.profile), 'ort') } : {}),
  });
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  let results = await session.run(feeds);
  if (args.outputDir) {
    fs.mkdirSync(args.outputDir, { recursive: true });
    for (const [name, t] of Object.entries(results)) {
      npy.write(path.join(args.outputDir, name.replace(/[^A-Za-z0-9_.-]/g, '_') + '.npy'), t);
    }
  }
  if (args.bench > 0) {
    for (let i = 0; i < args.warmup; i++) results = await session.run(feeds);
    const times = [];
    for (let i = 0; i < args.bench; i++) {
      const s = process.hrtime.bigint();
      results = await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    times.sort((a, b) => a - b);
    const pct = p => times[Math.min(times.length - 1, Math.round(p / 100 * (times.length - 1)))];
    const report = { engine: 'onnxruntime', threads: args.threads, load_ms: loadMs, median_ms: pct(50), min_ms: times[0], p90_ms: pct(90), peak_rss_bytes: peakRssBytes() };
    if (args.profile) report.profile = finishProfile(session, args.profile);
    console.log(args.json ? JSON.stringify(report) : `median ${report.median_ms.toFixed(3)} ms  min ${report.min_ms.toFixed(3)} ms  p90 ${report.p90_ms.toFixed(3)} ms  load ${loadMs.toFixed(1)} ms  peak RSS ${(report.peak_rss_bytes / 1048576).toFixed(1)} MiB`);
  }
}

main().catch(e => { console.error(`ort-run: error: ${e.message}`); process.exit(1); });
