// Minimal NumPy .npy (v1) reader/writer for the peer scripts: float32, int64, int32, uint8, int8, bool.
'use strict';
const fs = require('fs');

const DTYPES = {
  '<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array],
  '|u1': ['uint8', Uint8Array], '|i1': ['int8', Int8Array], '|b1': ['bool', Uint8Array],
};

function read(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: fortran order not supported`);
  const [type, Ctor] = DTYPES[descr] || [];
  if (!type) throw new Error(`${path}: unsupported dtype ${descr}`);
  const body = buf.subarray(start + headerLen);
  const data = new Ctor(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  return { type, shape, data };
}

function write(path, tensor) {
  const descr = Object.keys(DTYPES).find(k => DTYPES[k][0] === tensor.type);
  if (!descr) throw new Error(`cannot write dtype ${tensor.type}`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  fs.writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), data]));
}

// The deterministic test pattern shared with Bramble's tests (Support/TestPattern.cs): integer hashing,
// so both sides produce bit-identical float32 inputs without committing input files. Values in [-1, 1).
function pattern(count, seed) {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const u = Math.imul((i + Math.imul(seed, 7919)) >>> 0, 2654435761) >>> 0;
    out[i] = ((u >>> 8) / 16777216) * 2 - 1;
  }
  return out;
}

module.exports = { read, write, pattern };
