#!/usr/bin/env node
// Side-by-side latency and memory: Bramble vs ONNX Runtime 1.30 on the same models, same input shapes,
// same thread counts. Each measurement is its own process (so peak RSS is per engine), and the engines
// alternate round by round so machine drift hits both alike. Prints a table with bramble/ORT ratios.
//   node bench/compare.js [--models a,b] [--threads 1,2] [--rounds 3] [--iterations 20] [--json out.json]
// Needs: scripts/fetch-models.sh (models + onnxruntime-node), bench/export-torchvision.py for the
// torchvision models, and a Release build of the CLI (built here if missing).
'use strict';
const path = require('path');
const fs = require('fs');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const args = { threads: [1, 2], rounds: 3, iterations: 20, models: null, json: null };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--threads') args.threads = process.argv[++i].split(',').map(Number);
  else if (a === '--rounds') args.rounds = Number(process.argv[++i]);
  else if (a === '--iterations') args.iterations = Number(process.argv[++i]);
  else if (a === '--models') args.models = process.argv[++i].split(',');
  else if (a === '--json') args.json = process.argv[++i];
  else { console.error(`compare: unknown argument ${a}`); process.exit(2); }
}

const cliDll = path.join(root, 'src', 'Bramble.Cli', 'bin', 'Release', 'net10.0', 'Bramble.Cli.dll');
// Always build: an incremental build is quick, and a stale Release build would measure old code.
execFileSync('dotnet', ['build', '-c', 'Release', path.join(root, 'src', 'Bramble.Cli'), '-v', 'q', '-nologo'], { stdio: 'inherit' });

const median = xs => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };

function runOrt(model, inputs, threads) {
  const a = [path.join(__dirname, 'ort', 'ort-run.js'), model, '--threads', String(threads), '--bench', String(args.iterations), '--json'];
  for (const [name, shape] of Object.entries(inputs)) a.push('--pattern', `${name}=${shape.join('x')}`);
  return JSON.parse(execFileSync(process.execPath, a, { encoding: 'utf8' }).trim().split('\n').pop());
}

function runBramble(model, inputs, threads) {
  const a = [cliDll, 'bench', model, '--threads', String(threads), '--iterations', String(args.iterations), '--json'];
  for (const [name, shape] of Object.entries(inputs)) a.push('--shape', `${name}=${shape.join('x')}`);
  // `bramble bench --json` prints one indented object: parse all of stdout, then map its names onto ORT's.
  const r = JSON.parse(execFileSync('dotnet', a, { encoding: 'utf8' }).trim());
  return { ...r, median_ms: r.median_ms ?? r.latency_median_ms, peak_rss_bytes: r.peak_rss_bytes ?? r.peak_resident_bytes };
}

// Darknet models ship no trained weights: fixed-seed random weights in Darknet's layout, exported to ONNX once.
function ensureDarknetExport(m, model) {
  if (fs.existsSync(model) || !m.darknet_cfg || !fs.existsSync(m.darknet_cfg)) return;
  const dir = path.dirname(model), base = path.basename(model, '.onnx');
  fs.mkdirSync(dir, { recursive: true });
  const cfg = path.join(dir, `${base}.cfg`);
  if (!fs.existsSync(cfg)) fs.copyFileSync(m.darknet_cfg, cfg);
  execFileSync('dotnet', [cliDll, 'darknet-weights', cfg, '-o', path.join(dir, `${base}.weights`), '--seed', '1'], { stdio: 'inherit' });
  execFileSync('dotnet', [cliDll, 'export', cfg, '-o', model], { stdio: 'inherit' });
}

const suite = JSON.parse(fs.readFileSync(path.join(__dirname, 'suite.json'), 'utf8')).models
  .filter(m => !args.models || args.models.includes(m.name));
const rows = [];
for (const m of suite) {
  const model = path.join(root, '.cache', 'models', m.model);
  ensureDarknetExport(m, model);
  if (!fs.existsSync(model)) { console.error(`skip ${m.name}: ${m.model} not found`); continue; }
  for (const threads of args.threads) {
    const ort = [], bramble = [];
    try {
      for (let r = 0; r < args.rounds; r++) {
        ort.push(runOrt(model, m.inputs, threads));
        bramble.push(runBramble(model, m.inputs, threads));
      }
    } catch (e) {
      console.error(`${m.name} t${threads}: failed: ${e.message.split('\n')[0]}`);
      continue;
    }
    const row = {
      model: m.name, threads,
      ort_ms: median(ort.map(x => x.median_ms)), bramble_ms: median(bramble.map(x => x.median_ms)),
      ort_rss_mb: median(ort.map(x => x.peak_rss_bytes)) / 1048576, bramble_rss_mb: median(bramble.map(x => x.peak_rss_bytes)) / 1048576,
    };
    row.ratio = row.bramble_ms / row.ort_ms;
    rows.push(row);
    console.log(`${m.name.padEnd(16)} t${threads}  ORT ${row.ort_ms.toFixed(2).padStart(9)} ms  Bramble ${row.bramble_ms.toFixed(2).padStart(9)} ms  ratio ${row.ratio.toFixed(2)}  RSS ORT ${row.ort_rss_mb.toFixed(0)} MiB / Bramble ${row.bramble_rss_mb.toFixed(0)} MiB`);
  }
}
console.log('\n| model | threads | ORT ms | Bramble ms | Bramble/ORT | ORT peak RSS MiB | Bramble peak RSS MiB |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.model} | ${r.threads} | ${r.ort_ms.toFixed(2)} | ${r.bramble_ms.toFixed(2)} | ${r.ratio.toFixed(2)} | ${r.ort_rss_mb.toFixed(0)} | ${r.bramble_rss_mb.toFixed(0)} |`);
}
if (args.json) fs.writeFileSync(args.json, JSON.stringify(rows, null, 2));
