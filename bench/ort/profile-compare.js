#!/usr/bin/env node
// Per-node time, Bramble vs ONNX Runtime, on one model of bench/suite.json: where the gap is.
//   node bench/ort/profile-compare.js MODEL_NAME [--threads N] [--iterations N] [--rounds N] [--top N] [--cli Bramble.Cli.dll]
// ORT's own profiler (ort-run.js --profile) gives each node's kernel time per run; `bramble profile --json`
// gives Bramble's. Both engines fuse differently and ORT renames the convolutions it moves to its blocked
// NCHWc layout, so convolutions are matched by execution order and output shape (each Bramble conv takes the
// next unused ORT conv of its shape) and everything else by node name; the rest is listed unmatched.
// Times are medians over runs in microseconds, then the smallest such median over --rounds rounds (the engines
// alternate, so a busy spell on a shared machine hits both); the table is sorted by the gap (Bramble − ORT).
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..', '..');
const args = { threads: 1, iterations: 20, rounds: 1, top: 30, cli: null, model: null };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--threads') args.threads = Number(process.argv[++i]);
  else if (a === '--iterations') args.iterations = Number(process.argv[++i]);
  else if (a === '--top') args.top = Number(process.argv[++i]);
  else if (a === '--rounds') args.rounds = Number(process.argv[++i]);
  else if (a === '--cli') args.cli = process.argv[++i];
  else if (!args.model) args.model = a;
  else { console.error(`profile-compare: unexpected argument ${a}`); process.exit(2); }
}
const suite = JSON.parse(fs.readFileSync(path.join(root, 'bench', 'suite.json'), 'utf8')).models;
const entry = suite.find(m => m.name === args.model);
if (!entry) { console.error(`profile-compare: no model ${args.model} in bench/suite.json (${suite.map(m => m.name).join(', ')})`); process.exit(2); }
const model = path.join(root, '.cache', 'models', entry.model);
const cli = args.cli || path.join(root, 'src', 'Bramble.Cli', 'bin', 'Release', 'net10.0', 'Bramble.Cli.dll');
if (!fs.existsSync(cli)) { console.error(`profile-compare: ${cli} not found (build the CLI in Release or pass --cli)`); process.exit(2); }

const median = xs => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : 0; };

function ortNodes() {
  const trace = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ort-profile-')), 'trace.json');
  const a = [path.join(__dirname, 'ort-run.js'), model, '--threads', String(args.threads), '--bench', String(args.iterations), '--json', '--profile', trace];
  for (const [name, shape] of Object.entries(entry.inputs)) a.push('--pattern', `${name}=${shape.join('x')}`);
  const run = JSON.parse(execFileSync(process.execPath, a, { encoding: 'utf8' }).trim().split('\n').pop());
  const events = JSON.parse(fs.readFileSync(trace, 'utf8'));
  fs.rmSync(path.dirname(trace), { recursive: true, force: true });
  const byName = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    if (!byName.has(name)) byName.set(name, { op: e.args.op_name, shape: (e.args.output_type_shape || []).map(o => Object.values(o)[0].join('x')).join(','), us: [] });
    byName.get(name).us.push(e.dur);
  }
  return { run, nodes: byName };
}

function brambleNodes() {
  const a = [cli, 'profile', model, '--threads', String(args.threads), '--iterations', String(args.iterations), '--json'];
  for (const [name, shape] of Object.entries(entry.inputs)) a.push('--shape', `${name}=${shape.join('x')}`);
  const r = JSON.parse(execFileSync('dotnet', a, { encoding: 'utf8', maxBuffer: 64 << 20 }).trim());
  const byName = new Map();
  for (const n of r.nodes) byName.set(n.name, { op: n.op, kernel: n.kernel, shape: n.output_shape.join('x'), us: n.median_ms * 1000 });
  return { run: r, nodes: byName };
}

// Per node the smallest median over the rounds (ORT keeps its runs' samples: their median per round first).
function merge(runs, key) {
  const best = runs[0];
  for (const [name, node] of best.nodes) {
    const values = runs.map(r => r.nodes.get(name)).filter(Boolean).map(n => key(n));
    node.best = Math.min(...values);
  }
  best.run = runs.reduce((a, r) => (r.run.median_ms ?? r.run.run_median_ms) < (a.median_ms ?? a.run_median_ms) ? r.run : a, best.run);
  return best;
}
const ortRuns = [], brambleRuns = [];
for (let r = 0; r < args.rounds; r++) { ortRuns.push(ortNodes()); brambleRuns.push(brambleNodes()); }
const ort = merge(ortRuns, n => median(n.us));
const bramble = merge(brambleRuns, n => n.us);
for (const n of ort.nodes.values()) n.us = [n.best];
for (const n of bramble.nodes.values()) n.us = n.best;
const isConv = op => op === 'Conv' || op === 'FusedConv';
const ortConvs = [...ort.nodes].filter(([, o]) => isConv(o.op));
const used = new Set();
const rows = [];
// ORT's blocked layout pads channels to a multiple of 8: 1x20x7x7 there is 1x24x7x7.
const sameShape = (bramble, ort) => {
  const a = bramble.split('x').map(Number), b = ort.split(',')[0].split('x').map(Number);
  return a.length === b.length && a.every((d, i) => d === b[i] || (i === 1 && Math.ceil(d / 8) * 8 === b[i]));
};
for (const [name, b] of bramble.nodes) {
  let o = null;
  // The next unused ORT convolution with this output shape (branches such as SqueezeNet's expand pair may swap).
  // Among those, one whose name starts with this node's path (ORT names them after their output) comes first.
  const prefix = name.slice(0, name.lastIndexOf('/'));
  const free = isConv(b.op) ? ortConvs.filter(([n, c]) => !used.has(n) && sameShape(b.shape, c.shape)) : [];
  const next = free.find(([n]) => prefix.length > 0 && n.startsWith(prefix)) ?? free[0];
  if (next) { o = next[1]; used.add(next[0]); }
  else if (!isConv(b.op) && ort.nodes.has(name)) { o = ort.nodes.get(name); used.add(name); }
  rows.push({ name, op: b.op, kernel: b.kernel, shape: b.shape, bramble: b.us, ort: o ? median(o.us) : null, ortShape: o?.shape ?? '' });
}
const unmatchedOrt = [...ort.nodes].filter(([name]) => !used.has(name)).map(([name, o]) => ({ name, op: o.op, us: median(o.us) }));
rows.sort((x, y) => (y.bramble - (y.ort ?? 0)) - (x.bramble - (x.ort ?? 0)));

const f = v => v == null ? '-' : v.toFixed(0);
const sum = xs => xs.reduce((s, v) => s + v, 0);
console.log(`${args.model}  threads ${args.threads}  iterations ${args.iterations}`);
console.log(`run median: ORT ${ort.run.median_ms.toFixed(2)} ms (profiled)   Bramble ${bramble.run.run_median_ms.toFixed(2)} ms (profiled), ${bramble.run.unprofiled_run_median_ms.toFixed(2)} ms (unprofiled)`);
console.log(`node sums: ORT ${(sum([...ort.nodes.values()].map(o => median(o.us))) / 1000).toFixed(2)} ms   Bramble ${(sum(rows.map(r => r.bramble)) / 1000).toFixed(2)} ms`);
console.log('\n| node | op | Bramble kernel | output | ORT output | Bramble µs | ORT µs | gap µs | ratio |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows.slice(0, args.top > 0 ? args.top : rows.length)) {
  const ratio = r.ort ? (r.bramble / r.ort).toFixed(2) : '-';
  console.log(`| ${r.name} | ${r.op} | ${r.kernel} | ${r.shape} | ${r.ortShape} | ${f(r.bramble)} | ${f(r.ort)} | ${f(r.bramble - (r.ort ?? 0))} | ${ratio} |`);
}
if (unmatchedOrt.length) {
  console.log(`\nORT nodes without a Bramble node of the same name (${unmatchedOrt.length}, ${(sum(unmatchedOrt.map(u => u.us)) / 1000).toFixed(2)} ms):`);
  for (const u of unmatchedOrt.sort((x, y) => y.us - x.us).slice(0, 15)) console.log(`  ${u.name} (${u.op}) ${f(u.us)} µs`);
}
