//===- Model.cpp - Runs a whole model.bin on inputs -----------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Sim/Model.h"
#include "rapid/Numerics/Quantize.h"

#include "llvm/Support/FormatVariadic.h"

using namespace rapid;
using namespace rapid::sim;

uint64_t rapid::sim::tensorElements(const isa::TensorDescriptor &t) {
  uint64_t n = 1;
  for (uint64_t d : t.shape)
    n *= d;
  return n;
}

static uint64_t tensorBytes(const isa::TensorDescriptor &t) {
  return numerics::bytesFor(tensorElements(t), Precision(t.dtype));
}

llvm::Expected<std::unique_ptr<ModelRunner>>
ModelRunner::create(const isa::ModelBinary &model, const ArchSpec &arch) {
  std::unique_ptr<ModelRunner> r(new ModelRunner(model, arch));
  uint64_t extBytes = model.constantsAddress + model.constants.size();
  for (const isa::MemoryRegion &m : model.memory)
    if (m.space == MemLevel::Ext)
      extBytes = std::max(extBytes, m.offset + m.size);
  for (const isa::TensorDescriptor &t : model.tensors) {
    extBytes = std::max(extBytes, t.address + tensorBytes(t));
    (t.output ? r->outputTensors : r->inputTensors).push_back(&t);
  }
  if (extBytes > uint64_t(arch.chip.externalMemory.capacityBytes))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("the program spans {0} bytes of external memory; the "
                      "chip has {1}",
                      extBytes, arch.chip.externalMemory.capacityBytes));
  r->image.assign(extBytes, 0);
  std::copy(model.constants.begin(), model.constants.end(),
            r->image.begin() + model.constantsAddress);
  return r;
}

llvm::Expected<std::vector<std::vector<float>>>
ModelRunner::run(llvm::ArrayRef<std::vector<double>> values, RunStats *stats,
                 const RunOptions &given) {
  auto fail = [](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why.str());
  };
  if (values.size() != inputTensors.size())
    return fail(llvm::formatv("the model has {0} inputs; {1} given",
                              inputTensors.size(), values.size()));
  int64_t chips = int64_t(model.chipsX) * model.chipsY;
  std::vector<std::vector<uint8_t>> exts(size_t(std::max<int64_t>(chips, 1)),
                                         image);
  std::vector<uint8_t> &ext = exts[0];
  for (size_t k = 0; k < inputTensors.size(); ++k) {
    const isa::TensorDescriptor &t = *inputTensors[k];
    if (values[k].size() != tensorElements(t))
      return fail(llvm::formatv("input '{0}' has {1} elements; {2} given",
                                t.name, tensorElements(t), values[k].size()));
    for (size_t i = 0; i < values[k].size(); ++i)
      numerics::storeAt(values[k][i], Precision(t.dtype),
                        ext.data() + t.address, i);
  }
  for (int64_t c = 1; c < chips; ++c)
    exts[size_t(c)] = ext;
  std::vector<CoreMemories> mems(model.cores.size());
  std::vector<CoreMemories *> memPtrs;
  for (size_t i = 0; i < mems.size(); ++i) {
    mems[i].ext = &exts[model.cores[i].core / model.coresPerChip];
    mems[i].lx.assign(size_t(arch.core.lx.capacityBytes), 0);
    mems[i].l0.assign(size_t(arch.core.l0.capacityBytes), 0);
    memPtrs.push_back(&mems[i]);
  }
  RunOptions options = given;
  options.topology = {int64_t(model.chipsX), int64_t(model.chipsY),
                      int64_t(model.coresPerChip)};
  RunStats local;
  if (llvm::Error e =
          runCores(model.cores, memPtrs, stats ? *stats : local, options))
    return std::move(e);
  std::vector<std::vector<float>> out;
  for (const isa::TensorDescriptor *t : outputTensors) {
    std::vector<float> v(tensorElements(*t));
    for (uint64_t i = 0; i < v.size(); ++i)
      v[i] = float(
          numerics::loadAt(ext.data() + t->address, i, Precision(t->dtype)));
    out.push_back(std::move(v));
  }
  return out;
}
