//===- VectorLowering.cpp - SFU and DMA layers as ISA code ----------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Backend/VectorLowering.h"
#include "Emitter.h"
#include "rapid/Backend/MemoryPlan.h"
#include "rapid/Numerics/Quantize.h"

#include "llvm/Support/FormatVariadic.h"

using namespace rapid;
using namespace rapid::backend;
using namespace rapid::backend::detail;

static llvm::Error failure(const llvm::Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), why.str());
}

void rapid::backend::emitPadCopy(const ExtTensor &src, const ExtTensor &dst,
                                 int64_t top, int64_t left,
                                 uint64_t fillAddress, isa::CoreProgram &core) {
  Emitter e(core);
  Precision p = src.precision;
  int64_t eb = unitsOf(p);
  auto [n, c, h, w] = src.shape;
  int64_t dh = dst.shape[2], dw = dst.shape[3];
  // Fill the whole destination from the fill element (a source stride of
  // 0), then copy the interior over it.
  int64_t total = n * c * dh * dw;
  e.seti(kFillSrc, addressOf(fillAddress, p));
  e.seti(kEpA, addressOf(dst.address, p));
  for (int64_t done = 0; done < total;) {
    int64_t count = std::min<int64_t>(total - done, UINT32_MAX);
    isa::DmaDescriptor fill;
    fill.elementBits = unsigned(storageBits(p));
    fill.dims.push_back({uint32_t(count), 0, eb});
    e.dma(isa::DmaPath::ExtToExt, fill, kEpA, kFillSrc);
    done += count;
    if (done < total)
      e.addi(kEpA, count * eb);
  }
  Block b;
  b.add(w, 1, 1);
  b.add(h, w, dw);
  b.add(c * n, h * w, dh * dw);
  e.seti(kEpA, addressOf(dst.address, p) + (top * dw + left) * eb);
  e.seti(kEpB, addressOf(src.address, p));
  e.dma(isa::DmaPath::ExtToExt, b.descriptor(p), kEpA, kEpB);
}

/// Copies `n` contiguous elements between external memory (register
/// `extReg`) and Lx address `lx`.
static void stream(Emitter &e, isa::DmaPath path, int64_t n, Precision p,
                   int64_t extReg, uint64_t lx) {
  Block b;
  b.add(n, 1, 1);
  e.seti(kEpA, addressOf(lx, p));
  if (path == isa::DmaPath::ExtToLx)
    e.dma(path, b.descriptor(p), kEpA, extReg);
  else
    e.dma(path, b.descriptor(p), extReg, kEpA);
}

llvm::Error rapid::backend::lowerPool(const PoolLayer &l,
                                      const CoreModel &coreModel,
                                      uint64_t lxBase, isa::CoreProgram &core,
                                      uint64_t *lxEnd) {
  auto [n, c, h, w] = l.inp.shape;
  auto [on, oc, oh, ow] = l.out.shape;
  const Window &win = l.window;
  bool global = l.kind == PoolLayer::Kind::GlobalAvg;
  if (on != n || oc != c ||
      (global ? oh != 1 || ow != 1
              : (oh - 1) * win.strideH + (win.kernelH - 1) * win.dilationH + 1 >
                        h ||
                    (ow - 1) * win.strideW + (win.kernelW - 1) * win.dilationW +
                            1 >
                        w))
    return failure("layer '" + l.name +
                   "': the pooling window does not fit the (padded) input");
  Precision pin = l.inp.precision, pout = l.out.precision;
  int64_t ebIn = bytesOf(pin), ebOut = bytesOf(pout);
  int64_t planeIn = h * w, planeOut = oh * ow;
  if (planeIn < 1 || planeOut < 1 || n * c < 1)
    return failure("layer '" + l.name + "': an empty tensor");
  if (global && planeIn > kMaxSfuCount)
    return failure(llvm::formatv("layer '{0}': a plane of {1} elements "
                                 "exceeds one SFU reduction ({2})",
                                 l.name, planeIn, kMaxSfuCount));
  int64_t taps = global ? planeIn : win.kernelH * win.kernelW;
  // Lx per plane: the input plane, the gathered tap, the accumulator (in
  // the input precision for max, FP32 for averages), an FP32 copy of the
  // tap and the output (averages).
  bool avg = l.kind != PoolLayer::Kind::Max;
  int64_t perPlane = planeIn * ebIn + planeOut * ebIn +
                     planeOut * (avg ? 4 : ebIn) +
                     (avg ? planeOut * 4 + planeOut * ebOut : 0);
  int64_t room = coreModel.lxBytes - int64_t(lxBase) - 5 * 64;
  int64_t planes = n * c;
  int64_t block = std::min({planes, room / std::max<int64_t>(perPlane, 1),
                            kMaxSfuCount / std::max<int64_t>(planeOut, 1),
                            int64_t(UINT32_MAX) / planeIn});
  if (block < 1)
    return failure(llvm::formatv(
        "layer '{0}': one {1}x{2} plane needs {3} bytes of Lx (from {4}) but "
        "the core has {5}; pooling of planes that large is not lowered yet",
        l.name, h, w, perPlane, lxBase, coreModel.lxBytes));
  uint64_t inpB = lxBase;
  uint64_t tmpB = alignUp(inpB + uint64_t(block * planeIn * ebIn));
  uint64_t accB = alignUp(tmpB + uint64_t(block * planeOut * ebIn));
  uint64_t tmp32B =
      alignUp(accB + uint64_t(block * planeOut * (avg ? 4 : ebIn)));
  uint64_t finalB = alignUp(tmp32B + uint64_t(avg ? block * planeOut * 4 : 0));
  if (lxEnd) // the final buffer only for averages
    *lxEnd = avg ? finalB + uint64_t(block * planeOut * ebOut) : tmp32B;

  Emitter e(core);
  e.seti(kInpExt, int64_t(l.inp.address));
  e.seti(kOutExt, int64_t(l.out.address));
  if (avg) {
    float scale = 1.0f / float(taps);
    e.setf(3, scale);
  }
  auto emitBlock = [&](int64_t planesHere) {
    int64_t count = planesHere * planeOut;
    stream(e, isa::DmaPath::ExtToLx, planesHere * planeIn, pin, kInpExt, inpB);
    if (global) {
      e.seti(kEpA, int64_t(accB));
      e.seti(kEpB, int64_t(inpB));
      e.repeat(planesHere, [&] {
        e.sfu(isa::SfuOperation::ReduceSum, pin, Precision::FP32,
              isa::BMode::Vector, planeIn, kEpA, kEpB, kZeroReg);
        e.addi(kEpA, 4);
        e.addi(kEpB, planeIn * ebIn);
      });
    } else {
      for (int64_t ky = 0; ky < win.kernelH; ++ky)
        for (int64_t kx = 0; kx < win.kernelW; ++kx) {
          bool first = ky == 0 && kx == 0;
          // Gather the tap's input for every output pixel of the block.
          Block g;
          g.add(ow, win.strideW, 1);
          g.add(oh, win.strideH * w, ow);
          g.add(planesHere, planeIn, planeOut);
          e.seti(kEpB,
                 int64_t(inpB) +
                     (ky * win.dilationH * w + kx * win.dilationW) * ebIn);
          e.seti(kEpA, int64_t(first && !avg ? accB : tmpB));
          e.dma(isa::DmaPath::LxToLx, g.descriptor(pin), kEpA, kEpB);
          if (!avg) {
            if (!first) {
              e.seti(kEpA, int64_t(accB));
              e.seti(kEpB, int64_t(tmpB));
              e.sfu(isa::SfuOperation::Max, pin, pin, isa::BMode::Vector, count,
                    kEpA, kEpA, kEpB);
            }
            continue;
          }
          e.seti(kEpA, int64_t(first ? accB : tmp32B));
          e.seti(kEpB, int64_t(tmpB));
          e.sfu(isa::SfuOperation::Mov, pin, Precision::FP32,
                isa::BMode::Vector, count, kEpA, kEpB, kZeroReg);
          if (!first) {
            e.seti(kEpA, int64_t(accB));
            e.seti(kEpB, int64_t(tmp32B));
            e.sfu(isa::SfuOperation::Add, Precision::FP32, Precision::FP32,
                  isa::BMode::Vector, count, kEpA, kEpA, kEpB);
          }
        }
    }
    uint64_t result = accB;
    if (avg) {
      e.seti(kEpA, int64_t(accB));
      e.sfu(isa::SfuOperation::Mul, Precision::FP32, Precision::FP32,
            isa::BMode::Scalar, count, kEpA, kEpA, 3);
      e.seti(kEpB, int64_t(accB));
      e.seti(kEpA, int64_t(finalB));
      e.sfu(isa::SfuOperation::Mov, Precision::FP32, pout, isa::BMode::Vector,
            count, kEpA, kEpB, kZeroReg);
      result = finalB;
    } else if (pout != pin) {
      e.seti(kEpB, int64_t(accB));
      e.seti(kEpA, int64_t(tmpB));
      e.sfu(isa::SfuOperation::Mov, pin, pout, isa::BMode::Vector, count, kEpA,
            kEpB, kZeroReg);
      result = tmpB;
    }
    stream(e, isa::DmaPath::LxToExt, count, pout, kOutExt, result);
  };
  int64_t full = planes / block, rest = planes % block;
  e.repeat(full, [&] {
    emitBlock(block);
    if (full > 1 || rest) {
      e.addi(kInpExt, block * planeIn * ebIn);
      e.addi(kOutExt, block * planeOut * ebOut);
    }
  });
  if (rest)
    emitBlock(rest);
  return llvm::Error::success();
}

llvm::Error rapid::backend::lowerEltwise(const EltwiseLayer &l,
                                         const CoreModel &coreModel,
                                         uint64_t lxBase,
                                         isa::CoreProgram &core,
                                         uint64_t *lxEnd) {
  if (l.binary() && l.a.precision != l.b.precision)
    return failure("layer '" + l.name +
                   "': both operands must be stored in one precision");
  Precision pin = l.a.precision, pout = l.out.precision;
  bool quantize = l.kind == EltwiseLayer::Kind::Quantize;
  if (quantize != (pout >= Precision::INT8))
    return failure("layer '" + l.name + "': " +
                   (quantize ? "quantizes to " + stringify(pout).str() +
                                   ", not an integer precision"
                             : "writes integers without a quantization"));
  bool dequantize = l.kind == EltwiseLayer::Kind::Dequantize;
  if (dequantize != (pin >= Precision::INT8) ||
      (dequantize && pout >= Precision::INT8))
    return failure("layer '" + l.name + "': " +
                   (dequantize ? "dequantizes " + stringify(pin).str() +
                                     " to " + stringify(pout).str()
                               : "reads integers without a dequantization"));
  // A quantization with a zero point, and a dequantization, go through an
  // FP32 scratch vector.
  bool viaScratch = (quantize && l.zeroPoint != 0) || dequantize;
  int64_t ebIn = bytesOf(pin), unitsIn = unitsOf(pin), unitsOut = unitsOf(pout);
  int64_t perElement = (storageBits(pin) + 7) / 8 * (l.binary() ? 2 : 1) +
                       (viaScratch ? 4 : 0) + (storageBits(pout) + 7) / 8;
  int64_t room = coreModel.lxBytes - int64_t(lxBase) - 3 * 64;
  int64_t chunk = std::min(
      {l.elements, room / perElement, kMaxSfuCount, int64_t(UINT32_MAX)});
  // Packed data: whole bytes per chunk.
  if ((numerics::isPacked(pout) || numerics::isPacked(pin)) &&
      chunk < l.elements)
    chunk -= chunk % 8;
  if (chunk < 1)
    return failure(llvm::formatv("layer '{0}': no Lx left (from {1} of {2})",
                                 l.name, lxBase, coreModel.lxBytes));
  uint64_t aB = lxBase;
  uint64_t bB = alignUp(aB + uint64_t(chunk * ebIn));
  uint64_t outB = alignUp(bB + uint64_t(l.binary()   ? chunk * ebIn
                                        : viaScratch ? chunk * 4
                                                     : 0));
  if (lxEnd)
    *lxEnd = outB + uint64_t(bytesFor(chunk, pout));

  Emitter e(core);
  e.seti(kInpExt, addressOf(l.a.address, pin));
  if (l.binary())
    e.seti(kKerExt, int64_t(l.b.address));
  e.seti(kOutExt, addressOf(l.out.address, pout));
  Epilogue::Act act = l.kind == EltwiseLayer::Kind::Clip ? Epilogue::Act::Clip
                      : l.kind == EltwiseLayer::Kind::Relu
                          ? Epilogue::Act::Relu
                          : Epilogue::Act::None;
  e.activationScalars(act, l.lo, l.hi);
  if (quantize) {
    e.setf(kScaleF, 1.0f / l.scale);
    e.setf(kScaleF + 1, float(l.zeroPoint));
  }
  if (dequantize) {
    e.setf(kScaleF, l.scale);
    e.setf(kScaleF + 1, float(-l.zeroPoint));
  }
  auto emitChunk = [&](int64_t count) {
    stream(e, isa::DmaPath::ExtToLx, count, pin, kInpExt, aB);
    if (l.binary())
      stream(e, isa::DmaPath::ExtToLx, count, pin, kKerExt, bB);
    e.seti(kEpA, addressOf(outB, pout));
    e.seti(kEpB, addressOf(aB, pin));
    e.seti(kEpC, int64_t(bB));
    switch (l.kind) {
    case EltwiseLayer::Kind::Add:
    case EltwiseLayer::Kind::Sub:
    case EltwiseLayer::Kind::Mul:
    case EltwiseLayer::Kind::Max: {
      isa::SfuOperation op[] = {isa::SfuOperation::Add, isa::SfuOperation::Sub,
                                isa::SfuOperation::Mul, isa::SfuOperation::Max};
      e.sfu(op[unsigned(l.kind)], pin, pout, isa::BMode::Vector, count, kEpA,
            kEpB, kEpC);
      break;
    }
    case EltwiseLayer::Kind::Relu:
    case EltwiseLayer::Kind::Clip:
      e.activation(act, pin, pout, count, kEpA, kEpB);
      break;
    case EltwiseLayer::Kind::Convert:
      e.sfu(isa::SfuOperation::Mov, pin, pout, isa::BMode::Vector, count, kEpA,
            kEpB, kZeroReg);
      break;
    case EltwiseLayer::Kind::Quantize:
      if (viaScratch) {
        // x / scale in FP32 (at bB), then plus the zero point, rounded once.
        e.sfu(isa::SfuOperation::Mul, pin, Precision::FP32, isa::BMode::Scalar,
              count, kEpC, kEpB, kScaleF);
        e.sfu(isa::SfuOperation::Add, Precision::FP32, pout, isa::BMode::Scalar,
              count, kEpA, kEpC, kScaleF + 1);
      } else {
        e.sfu(isa::SfuOperation::Mul, pin, pout, isa::BMode::Scalar, count,
              kEpA, kEpB, kScaleF);
      }
      break;
    case EltwiseLayer::Kind::Dequantize:
      // q - zero point (exact in FP32, at bB), times the scale.
      e.sfu(isa::SfuOperation::Add, pin, Precision::FP32, isa::BMode::Scalar,
            count, kEpC, kEpB, kScaleF + 1);
      e.sfu(isa::SfuOperation::Mul, Precision::FP32, pout, isa::BMode::Scalar,
            count, kEpA, kEpC, kScaleF);
      break;
    }
    stream(e, isa::DmaPath::LxToExt, count, pout, kOutExt, outB);
  };
  int64_t full = l.elements / chunk, rest = l.elements % chunk;
  e.repeat(full, [&] {
    emitChunk(chunk);
    if (full > 1 || rest) {
      e.addi(kInpExt, chunk * unitsIn);
      if (l.binary())
        e.addi(kKerExt, chunk * ebIn);
      e.addi(kOutExt, chunk * unitsOut);
    }
  });
  if (rest)
    emitChunk(rest);
  return llvm::Error::success();
}

void rapid::backend::emitBarrier(int64_t id, isa::CoreProgram &core) {
  // Every engine instruction before it has completed (the fence), so what
  // the other cores read next is written.
  Emitter e(core);
  e.emit(Opcode::Barrier)
      .set("scope", int64_t(isa::Scope::Chip))
      .set("id", id % 256);
}

llvm::Error rapid::backend::lowerReduce(const ReduceLayer &l,
                                        const CoreModel &coreModel,
                                        uint64_t lxBase, isa::CoreProgram &core,
                                        uint64_t *lxEnd) {
  auto [n, c, h, w] = l.partials.shape;
  int64_t plane = h * w;
  int64_t slotElements = n * c * plane;
  Precision acc = l.acc, pout = l.out.precision;
  int64_t ebAcc = bytesOf(acc), ebOut = bytesOf(pout);
  // Lx per plane: accumulator, incoming partial, output; plus its bias.
  int64_t perPlane = plane * (2 * ebAcc + ebOut) + ebAcc;
  int64_t room = coreModel.lxBytes - int64_t(lxBase) - 4 * 64;
  int64_t block = std::min(
      {l.planes, room / perPlane, kMaxSfuCount / std::max<int64_t>(plane, 1)});
  if (l.planes == 0)
    return llvm::Error::success();
  if (block < 1)
    return failure(llvm::formatv("layer '{0}': one {1}x{2} plane of partial "
                                 "sums does not fit Lx",
                                 l.name, h, w));
  uint64_t accB = lxBase;
  uint64_t inB = alignUp(accB + uint64_t(block * plane * ebAcc));
  uint64_t outB = alignUp(inB + uint64_t(block * plane * ebAcc));
  uint64_t biasB = alignUp(outB + uint64_t(block * plane * ebOut));
  if (lxEnd)
    *lxEnd = biasB + uint64_t(block * ebAcc);

  Emitter e(core);
  int64_t first = l.firstPlane * plane;
  e.seti(kInpExt, int64_t(l.partials.address) +
                      (l.slots.front() * slotElements + first) * ebAcc);
  e.seti(kOutExt, int64_t(l.out.address) + first * ebOut);
  if (l.epilogue.bias)
    e.seti(kBiasExt, int64_t(l.planeBiasAddress) + l.firstPlane * ebAcc);
  e.activationScalars(l.epilogue.act, l.epilogue.lo, l.epilogue.hi);
  auto emitBlock = [&](int64_t planes) {
    int64_t count = planes * plane;
    Block b;
    b.add(count, 1, 1);
    for (size_t i = 0; i < l.slots.size(); ++i) {
      e.seti(kEpA, int64_t(i == 0 ? accB : inB));
      e.dma(isa::DmaPath::ExtToLx, b.descriptor(acc), kEpA, kInpExt);
      if (i + 1 < l.slots.size())
        e.addi(kInpExt, (l.slots[i + 1] - l.slots[i]) * slotElements * ebAcc);
      if (i > 0) {
        e.seti(kEpA, int64_t(accB));
        e.seti(kEpB, int64_t(inB));
        e.sfu(isa::SfuOperation::Add, acc, acc, isa::BMode::Vector, count, kEpA,
              kEpA, kEpB);
      }
    }
    if (l.slots.size() > 1)
      e.addi(kInpExt,
             -(l.slots.back() - l.slots.front()) * slotElements * ebAcc);
    if (l.epilogue.bias) {
      Block bb;
      bb.add(planes, 1, 1);
      e.seti(kEpA, int64_t(biasB));
      e.dma(isa::DmaPath::ExtToLx, bb.descriptor(acc), kEpA, kBiasExt);
      e.seti(kEpA, int64_t(accB));
      e.seti(kEpB, int64_t(biasB));
      e.repeat(planes, [&] {
        e.sfu(isa::SfuOperation::Add, acc, acc, isa::BMode::Broadcast, plane,
              kEpA, kEpA, kEpB);
        e.addi(kEpA, plane * ebAcc);
        e.addi(kEpB, ebAcc);
      });
    }
    e.seti(kEpA, int64_t(accB));
    e.activation(l.epilogue.act, acc, acc, count, kEpA, kEpA);
    e.seti(kEpB, int64_t(accB));
    e.seti(kEpA, int64_t(outB));
    e.sfu(isa::SfuOperation::Mov, acc, pout, isa::BMode::Vector, count, kEpA,
          kEpB, kZeroReg);
    stream(e, isa::DmaPath::LxToExt, count, pout, kOutExt, outB);
  };
  int64_t full = l.planes / block, rest = l.planes % block;
  e.repeat(full, [&] {
    emitBlock(block);
    if (full > 1 || rest) {
      e.addi(kInpExt, block * plane * ebAcc);
      e.addi(kOutExt, block * plane * ebOut);
      if (l.epilogue.bias)
        e.addi(kBiasExt, block * ebAcc);
    }
  });
  if (rest)
    emitBlock(rest);
  return llvm::Error::success();
}

llvm::Error rapid::backend::lowerCopy(const CopyLayer &l,
                                      isa::CoreProgram &core) {
  Block b;
  for (const CopyLayer::Dim &d : l.dims) {
    if (d.count > int64_t(UINT32_MAX))
      return failure("layer '" + l.name + "': a dimension of " +
                     llvm::Twine(d.count) +
                     " elements is too long for one "
                     "transfer");
    b.add(d.count, d.srcStride, d.dstStride);
  }
  isa::DmaDescriptor desc = b.descriptor(l.src.precision);
  if (desc.dims.size() > isa::kMaxDmaRank)
    return failure("layer '" + l.name +
                   "': the copy needs more than 4 strided dimensions");
  Emitter e(core);
  e.seti(kEpA, int64_t(l.dst.address));
  e.seti(kEpB, int64_t(l.src.address));
  e.dma(isa::DmaPath::ExtToExt, desc, kEpA, kEpB);
  return llvm::Error::success();
}

llvm::Error rapid::backend::lowerLstmCell(const LstmCellLayer &l,
                                          const CoreModel &coreModel,
                                          uint64_t lxBase,
                                          isa::CoreProgram &core,
                                          uint64_t *lxEnd) {
  const Precision f32 = Precision::FP32;
  int64_t B = l.batch, H = l.units, ebH = bytesOf(l.hidden.precision);
  if (4 * H > kMaxSfuCount)
    return failure("layer '" + l.name + "': hidden size too large");
  uint64_t gB = lxBase;
  uint64_t rB = alignUp(gB + uint64_t(B * 4 * H * 4));
  uint64_t cB = alignUp(rB + uint64_t(B * 4 * H * 4));
  uint64_t tB = alignUp(cB + uint64_t(B * H * 4));
  uint64_t hB = alignUp(tB + uint64_t(H * 4));
  uint64_t end = alignUp(hB + uint64_t(B * H * ebH));
  if (lxEnd)
    *lxEnd = end;
  if (end > uint64_t(coreModel.lxBytes))
    return failure(llvm::formatv("layer '{0}': the cell's buffers need {1} "
                                 "bytes of Lx; the core has {2}",
                                 l.name, end - lxBase, coreModel.lxBytes));
  Emitter e(core);
  auto load = [&](const ExtTensor &t, uint64_t lx, int64_t n) {
    e.seti(kInpExt, int64_t(t.address));
    stream(e, isa::DmaPath::ExtToLx, n, t.precision, kInpExt, lx);
  };
  load(l.xproj, gB, B * 4 * H);
  load(l.hproj, rB, B * 4 * H);
  load(l.cell, cB, B * H);
  e.seti(kEpA, int64_t(gB));
  e.seti(kEpB, int64_t(rB));
  e.sfu(isa::SfuOperation::Add, f32, f32, isa::BMode::Vector, B * 4 * H, kEpA,
        kEpA, kEpB);
  e.setf(1, 1.0f);
  e.setf(2, 2.0f);
  e.setf(3, -1.0f);
  // sigmoid of n FP32 elements at register `reg`, in place.
  auto sigmoid = [&](int64_t reg, int64_t n) {
    e.sfu(isa::SfuOperation::Neg, f32, f32, isa::BMode::Vector, n, reg, reg,
          kZeroReg);
    e.sfu(isa::SfuOperation::Exp, f32, f32, isa::BMode::Vector, n, reg, reg,
          kZeroReg);
    e.sfu(isa::SfuOperation::Add, f32, f32, isa::BMode::Scalar, n, reg, reg, 1);
    e.sfu(isa::SfuOperation::Recip, f32, f32, isa::BMode::Vector, n, reg, reg,
          kZeroReg);
  };
  // tanh(x) = 2 sigmoid(2x) - 1, from `src` into `dst`.
  auto tanh = [&](int64_t dst, int64_t src, int64_t n) {
    e.sfu(isa::SfuOperation::Mul, f32, f32, isa::BMode::Scalar, n, dst, src, 2);
    sigmoid(dst, n);
    e.sfu(isa::SfuOperation::Mul, f32, f32, isa::BMode::Scalar, n, dst, dst, 2);
    e.sfu(isa::SfuOperation::Add, f32, f32, isa::BMode::Scalar, n, dst, dst, 3);
  };
  // Registers: a5 the row's gates, a6 its cell, a7 its hidden output, a8
  // and a9 slices, a14 the scratch vector.
  e.seti(kInpLx, int64_t(gB));
  e.seti(kKerLx, int64_t(cB));
  e.seti(kOutLx, int64_t(hB));
  e.seti(kEpC, int64_t(tB));
  e.repeat(B, [&] {
    // i, o, f: sigmoid of the first three slices; c~: tanh of the fourth.
    sigmoid(kInpLx, 3 * H);
    e.emit(Opcode::AddI).set("a", kEpA).set("b", kInpLx).set("imm", 3 * H * 4);
    tanh(kEpA, kEpA, H);
    // cell = f * cell + i * c~.
    e.emit(Opcode::AddI).set("a", kEpB).set("b", kInpLx).set("imm", 2 * H * 4);
    e.sfu(isa::SfuOperation::Mul, f32, f32, isa::BMode::Vector, H, kKerLx,
          kKerLx, kEpB);
    e.sfu(isa::SfuOperation::Mul, f32, f32, isa::BMode::Vector, H, kEpC, kInpLx,
          kEpA);
    e.sfu(isa::SfuOperation::Add, f32, f32, isa::BMode::Vector, H, kKerLx,
          kKerLx, kEpC);
    // hidden = o * tanh(cell).
    tanh(kEpC, kKerLx, H);
    e.emit(Opcode::AddI).set("a", kEpB).set("b", kInpLx).set("imm", H * 4);
    e.sfu(isa::SfuOperation::Mul, f32, l.hidden.precision, isa::BMode::Vector,
          H, kOutLx, kEpB, kEpC);
    e.addi(kInpLx, 4 * H * 4);
    e.addi(kKerLx, H * 4);
    e.addi(kOutLx, H * ebH);
  });
  e.seti(kOutExt, int64_t(l.cell.address));
  stream(e, isa::DmaPath::LxToExt, B * H, f32, kOutExt, cB);
  e.seti(kOutExt, int64_t(l.hidden.address));
  stream(e, isa::DmaPath::LxToExt, B * H, l.hidden.precision, kOutExt, hB);
  return llvm::Error::success();
}
