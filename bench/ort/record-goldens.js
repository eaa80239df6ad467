#!/usr/bin/env node
// Records ONNX Runtime's outputs for the real models in tests/Bramble.Tests/Goldens/goldens.json:
// each output is written as tests/Bramble.Tests/Goldens/<name>/<sanitised output name>.npy.
// Needs scripts/fetch-models.sh to have run (models in .cache/models, onnxruntime-node in .cache/ort).
'use strict';
const path = require('path');
const fs = require('fs');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..', '..');
const goldens = path.join(root, 'tests', 'Bramble.Tests', 'Goldens');
const manifest = JSON.parse(fs.readFileSync(path.join(goldens, 'goldens.json'), 'utf8'));
for (const m of manifest.models) {
  const model = path.join(root, '.cache', 'models', m.model);
  if (!fs.existsSync(model)) throw new Error(`${model} missing: run scripts/fetch-models.sh`);
  const outDir = path.join(goldens, m.name);
  const args = [path.join(__dirname, 'ort-run.js'), model, '--output-dir', outDir];
  for (const i of m.inputs) args.push('--pattern', `${i.name}=${i.shape.join('x')}:${i.seed}`);
  execFileSync(process.execPath, args, { stdio: 'inherit' });
  console.log(`recorded ${m.name}: ${fs.readdirSync(outDir).join(', ')}`);
}
