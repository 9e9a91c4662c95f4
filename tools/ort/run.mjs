#!/usr/bin/env node
// rapid's independent reference executor: runs an ONNX model with
// onnxruntime-node (CPU execution provider) and writes every input it used and
// every output it produced as NumPy .npy files.
//
//   node tools/ort/run.mjs model.onnx --output-dir DIR [--input NAME=FILE.npy ...]
//        [--dim NAME=VALUE ...] [--seed N] [--count K] [--threads N] [--warmup N]
//        [--repeat N] [--opt all|extended|basic|disabled]
//
// Graph inputs without --input get a deterministic pseudo-random tensor (float
// types only): standard normal values from a seeded generator, its shape from
// the model, with symbolic dimensions bound by --dim (or by the shape of a
// given .npy that uses the same symbol). Files: DIR/input_<name>.npy and
// DIR/output_<name>.npy, with characters outside [A-Za-z0-9._-] in <name>
// replaced by '_'. Prints one summary line; on any error prints
// "run.mjs: error: ..." naming the file and reason and exits 1.
//
// --count K (default 1) runs the model K times in one session, with seeds N,
// N+1, ..., N+K-1 for the random inputs, and writes each run's files into
// DIR/seed<S>/ (same names as above) instead of DIR; given --input files are
// used by every run. Without --count (or with 1) nothing changes.
//
// Install onnxruntime-node first: bash scripts/setup-models.sh
//
// The .npy reader/writer below implements format versions 1.0-3.0 (writes 1.0),
// C order, little- or big-endian (big-endian data is byte-swapped on read).

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const PROG = 'run.mjs';

class UserError extends Error {}
function fail(msg) {
  throw new UserError(msg);
}

// ---------------------------------------------------------------- .npy I/O

// ORT tensor type <-> NumPy descr (without the byte-order character).
const DTYPES = {
  float32: { npy: 'f4', size: 4, Array: Float32Array },
  float64: { npy: 'f8', size: 8, Array: Float64Array },
  float16: { npy: 'f2', size: 2, Array: Uint16Array },
  int8: { npy: 'i1', size: 1, Array: Int8Array },
  int16: { npy: 'i2', size: 2, Array: Int16Array },
  int32: { npy: 'i4', size: 4, Array: Int32Array },
  int64: { npy: 'i8', size: 8, Array: BigInt64Array },
  uint8: { npy: 'u1', size: 1, Array: Uint8Array },
  uint16: { npy: 'u2', size: 2, Array: Uint16Array },
  uint32: { npy: 'u4', size: 4, Array: Uint32Array },
  uint64: { npy: 'u8', size: 8, Array: BigUint64Array },
  bool: { npy: 'b1', size: 1, Array: Uint8Array },
};
const NPY_TO_TYPE = Object.fromEntries(Object.entries(DTYPES).map(([t, d]) => [d.npy, t]));
const NATIVE_ORDER = os.endianness() === 'LE' ? '<' : '>';
const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

function product(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

function byteSwap(bytes, size) {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

// Returns { type, shape, data } with data a typed array in native byte order.
function readNpy(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    fail(`${file}: cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  if (buf.length < 10 || !buf.subarray(0, 6).equals(NPY_MAGIC)) {
    fail(`${file}: not a .npy file (bad magic; expected \\x93NUMPY)`);
  }
  const major = buf[6];
  let headerLen;
  let offset;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) fail(`${file}: truncated .npy header`);
    headerLen = buf.readUInt32LE(8);
    offset = 12;
  } else {
    fail(`${file}: unsupported .npy format version ${major}.${buf[7]}`);
  }
  if (buf.length < offset + headerLen) fail(`${file}: truncated .npy header`);
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', offset, offset + headerLen);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(header);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) fail(`${file}: malformed .npy header: ${header.trim()}`);
  if (fortran[1] === 'True') {
    fail(`${file}: Fortran-order arrays are not supported (save np.ascontiguousarray(a))`);
  }
  const shape = shapeM[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      if (!/^\d+L?$/.test(s)) fail(`${file}: malformed shape in .npy header: (${shapeM[1]})`);
      return parseInt(s, 10);
    });
  let d = descr[1];
  let order = '|';
  if ('<>|='.includes(d[0])) {
    order = d[0];
    d = d.slice(1);
  }
  if (order === '=') order = NATIVE_ORDER;
  const type = NPY_TO_TYPE[d === '?' ? 'b1' : d];
  if (!type) fail(`${file}: unsupported dtype '${descr[1]}'`);
  const { size, Array: TA } = DTYPES[type];
  const count = product(shape);
  const start = offset + headerLen;
  if (buf.length - start !== count * size) {
    fail(
      `${file}: data size mismatch: shape (${shape.join(', ')}) of '${descr[1]}' needs ` +
        `${count * size} bytes, the file holds ${buf.length - start}`,
    );
  }
  const bytes = new Uint8Array(count * size); // a fresh, aligned copy
  bytes.set(buf.subarray(start));
  if (size > 1 && order !== '|' && order !== NATIVE_ORDER) byteSwap(bytes, size);
  return { type, shape, data: new TA(bytes.buffer, 0, count) };
}

function writeNpy(file, type, shape, data) {
  const dt = DTYPES[type];
  if (!dt) fail(`${file}: cannot write tensor of type ${type} as .npy`);
  const descr = (dt.size === 1 ? '|' : NATIVE_ORDER) + dt.npy;
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // magic(6) + version(2) + len(2) + header + '\n' padded to a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  if (header.length > 0xffff) fail(`${file}: .npy header too long for format 1.0`);
  const pre = Buffer.alloc(10);
  NPY_MAGIC.copy(pre, 0);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

// ------------------------------------------------------- pseudo-random input

// FNV-1a over the input's name mixed with the seed: each input gets its own
// stream, independent of the order of inputs in the model.
function streamSeed(seed, name) {
  let h = 0x811c9dc5 ^ Math.imul(seed >>> 0, 0x9e3779b9);
  for (const c of Buffer.from(name, 'utf8')) {
    h ^= c;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// mulberry32 uniform in (0, 1); standard normal by Box-Muller.
function normalFill(arr, seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  for (let i = 0; i < arr.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const th = 2 * Math.PI * uniform();
    arr[i] = r * Math.cos(th);
    if (i + 1 < arr.length) arr[i + 1] = r * Math.sin(th);
  }
  return arr;
}

// ---------------------------------------------------------------- arguments

const USAGE = `usage: node tools/ort/run.mjs MODEL.onnx --output-dir DIR [--input NAME=FILE.npy ...]
       [--dim NAME=VALUE ...] [--seed N] [--count K] [--threads N] [--warmup N] [--repeat N]
       [--opt all|extended|basic|disabled]`;

function parseIntArg(flag, s, min) {
  if (!/^-?\d+$/.test(s ?? '') || parseInt(s, 10) < min) {
    fail(`${flag} needs an integer >= ${min}, got '${s ?? ''}'\n${USAGE}`);
  }
  return parseInt(s, 10);
}

function parseArgs(argv) {
  const a = { model: null, outDir: null, inputs: new Map(), dims: new Map(), seed: 0, count: 1, threads: 1, warmup: 0, repeat: 1, opt: 'all' };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let val;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const takes = ['--output-dir', '--input', '--dim', '--seed', '--count', '--threads', '--warmup', '--repeat', '--opt'];
    if (eq > 0 && takes.includes(arg.slice(0, eq))) {
      val = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    } else if (takes.includes(arg)) {
      if (i + 1 >= argv.length) fail(`${arg} needs a value\n${USAGE}`);
      val = argv[++i];
    }
    switch (arg) {
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
      case '--output-dir':
        a.outDir = val;
        break;
      case '--input': {
        const k = val.indexOf('=');
        if (k <= 0 || k === val.length - 1) fail(`--input needs NAME=FILE.npy, got '${val}'`);
        a.inputs.set(val.slice(0, k), val.slice(k + 1));
        break;
      }
      case '--dim': {
        const k = val.lastIndexOf('=');
        if (k <= 0) fail(`--dim needs NAME=VALUE, got '${val}'`);
        a.dims.set(val.slice(0, k), parseIntArg(`--dim ${val.slice(0, k)}`, val.slice(k + 1), 0));
        break;
      }
      case '--seed':
        a.seed = parseIntArg('--seed', val, 0);
        break;
      case '--count':
        a.count = parseIntArg('--count', val, 1);
        break;
      case '--threads':
        a.threads = parseIntArg('--threads', val, 1);
        break;
      case '--warmup':
        a.warmup = parseIntArg('--warmup', val, 0);
        break;
      case '--repeat':
        a.repeat = parseIntArg('--repeat', val, 1);
        break;
      case '--opt':
        if (!['all', 'extended', 'basic', 'disabled'].includes(val)) {
          fail(`--opt must be all, extended, basic or disabled, got '${val}'`);
        }
        a.opt = val;
        break;
      default:
        if (arg.startsWith('-')) fail(`unknown option '${arg}'\n${USAGE}`);
        if (a.model) fail(`more than one model given ('${a.model}', '${arg}')\n${USAGE}`);
        a.model = arg;
    }
  }
  if (!a.model) fail(`no model given\n${USAGE}`);
  if (!a.outDir) fail(`--output-dir is required\n${USAGE}`);
  return a;
}

// ---------------------------------------------------------------- main

function fileStem(kind, name) {
  return `${kind}_${name.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`;
}

function fmtShape(shape) {
  return shape.length ? shape.join('x') : 'scalar';
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(args.model)) fail(`${args.model}: model file not found`);
  if (!fs.statSync(args.model).isFile()) fail(`${args.model}: not a file`);

  const here = path.dirname(new URL(import.meta.url).pathname);
  let ort;
  try {
    ort = createRequire(path.join(here, 'package.json'))('onnxruntime-node');
  } catch (e) {
    fail(`cannot load onnxruntime-node from ${path.join(here, 'node_modules')} (run bash scripts/setup-models.sh): ${e.message}`);
  }

  let session;
  try {
    session = await ort.InferenceSession.create(args.model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: args.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: args.opt,
    });
  } catch (e) {
    fail(`${args.model}: onnxruntime cannot load the model: ${e.message}`);
  }

  const inMeta = session.inputMetadata;
  const known = new Set(inMeta.map((m) => m.name));
  for (const name of args.inputs.keys()) {
    if (!known.has(name)) {
      fail(`--input ${name}: the model has no input '${name}' (its inputs: ${[...known].join(', ') || 'none'})`);
    }
  }

  // Bind symbolic dimensions: --dim first, then the shapes of given .npy files.
  const bound = new Map(args.dims);
  const boundBy = new Map([...args.dims.keys()].map((k) => [k, `--dim ${k}=${args.dims.get(k)}`]));
  const loaded = new Map();
  for (const m of inMeta) {
    const file = args.inputs.get(m.name);
    if (!file) continue;
    if (!m.isTensor) fail(`input '${m.name}' of ${args.model} is not a tensor; only tensor inputs are supported`);
    const t = readNpy(file);
    if (t.type !== m.type) {
      fail(`${file}: dtype ${t.type} does not match model input '${m.name}' of type ${m.type}`);
    }
    const ms = m.shape;
    if (ms.length !== t.shape.length) {
      fail(`${file}: shape (${t.shape.join(', ')}) has rank ${t.shape.length}, model input '${m.name}' has shape [${ms.join(', ')}] (rank ${ms.length})`);
    }
    ms.forEach((d, i) => {
      const got = t.shape[i];
      if (typeof d === 'number' && d >= 0) {
        if (d !== got) fail(`${file}: shape (${t.shape.join(', ')}) does not match model input '${m.name}' [${ms.join(', ')}] at dimension ${i}`);
      } else if (typeof d === 'string' && d !== '') {
        if (bound.has(d) && bound.get(d) !== got) {
          fail(`${file}: dimension ${i} of input '${m.name}' is '${d}' = ${got}, but ${boundBy.get(d)} set it to ${bound.get(d)}`);
        }
        bound.set(d, got);
        boundBy.set(d, file);
      }
    });
    loaded.set(m.name, t);
  }

  // One run per seed (--count): the session is created once.
  const times = [];
  let described = [];
  let outs = [];
  for (let k = 0; k < args.count; k++) {
    const seed = args.seed + k;
    const outDir = args.count > 1 ? path.join(args.outDir, `seed${seed}`) : args.outDir;
    fs.mkdirSync(outDir, { recursive: true });
    const feeds = {};
    described = [];
    const usedDims = new Set();
    for (const m of inMeta) {
      let t = loaded.get(m.name);
      let how;
      if (t) {
        how = `from ${args.inputs.get(m.name)}`;
      } else {
        if (!m.isTensor) fail(`input '${m.name}' of ${args.model} is not a tensor; only tensor inputs are supported`);
        if (m.type !== 'float32' && m.type !== 'float64') {
          fail(`input '${m.name}' of ${args.model} has type ${m.type}: random inputs are generated for float32/float64 only; give --input ${m.name}=FILE.npy`);
        }
        const shape = m.shape.map((d, i) => {
          if (typeof d === 'number' && d >= 0) return d;
          if (typeof d === 'string' && d !== '') {
            usedDims.add(d);
            if (!bound.has(d)) {
              fail(`input '${m.name}' of ${args.model}: dimension ${i} is symbolic '${d}'; bind it with --dim ${d}=VALUE`);
            }
            return bound.get(d);
          }
          fail(`input '${m.name}' of ${args.model}: dimension ${i} is dynamic and unnamed; give --input ${m.name}=FILE.npy`);
        });
        const TA = DTYPES[m.type].Array;
        const s = streamSeed(seed, m.name);
        t = { type: m.type, shape, data: normalFill(new TA(product(shape)), s) };
        how = `random seed ${seed}`;
      }
      for (const d of m.shape) if (typeof d === 'string') usedDims.add(d);
      feeds[m.name] = new ort.Tensor(t.type, t.data, t.shape);
      writeNpy(path.join(outDir, fileStem('input', m.name)), t.type, t.shape, t.data);
      described.push(`${m.name} ${fmtShape(t.shape)} ${t.type} ${how}`);
    }
    if (k === 0) {
      for (const d of args.dims.keys()) {
        if (!usedDims.has(d)) process.stderr.write(`${PROG}: warning: --dim ${d}: no input of ${args.model} has a dimension named '${d}'\n`);
      }
    }

    let results;
    for (let i = 0; i < args.warmup + args.repeat; i++) {
      const t0 = performance.now();
      try {
        results = await session.run(feeds);
      } catch (e) {
        fail(`${args.model}: onnxruntime run failed: ${e.message}`);
      }
      if (i >= args.warmup) times.push(performance.now() - t0);
    }

    outs = [];
    const written = new Set();
    for (const name of session.outputNames) {
      const v = results[name];
      if (!v || !(v instanceof ort.Tensor) || !DTYPES[v.type]) {
        fail(`output '${name}' of ${args.model} is not a numeric tensor (${v ? v.type : 'missing'}); cannot write it as .npy`);
      }
      const f = fileStem('output', name);
      if (written.has(f)) fail(`two outputs of ${args.model} map to the file name ${f}`);
      written.add(f);
      writeNpy(path.join(outDir, f), v.type, [...v.dims], v.data);
      outs.push(`${name} ${fmtShape([...v.dims])} ${v.type}`);
    }
  }
  await session.release?.();

  times.sort((x, y) => x - y);
  const med = times[Math.floor((times.length - 1) / 2)];
  const timing = times.length > 1 ? `median ${med.toFixed(2)} ms (min ${times[0].toFixed(2)}, ${times.length} runs, ${args.warmup} warmup)` : `${med.toFixed(2)} ms`;
  console.log(
    `[ort] ${path.basename(args.model)}: ${described.length} input(s) [${described.join('; ')}] -> ` +
      `${outs.length} output(s) [${outs.join('; ')}] in ${timing}, ` +
      (args.count > 1 ? `${args.count} seeds ${args.seed}..${args.seed + args.count - 1} (last shown), ` : '') +
      `onnxruntime ${ort.env.versions?.common ?? ''} ` +
      `cpu ${args.threads} thread(s), files in ${args.outDir}`,
  );
}

main().catch((e) => {
  if (e instanceof UserError) {
    process.stderr.write(`${PROG}: error: ${e.message}\n`);
  } else {
    process.stderr.write(`${PROG}: error: ${e && e.stack ? e.stack : e}\n`);
  }
  process.exit(1);
});
