//===- Model.h - Runs a whole model.bin on inputs -------------------*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// A model.bin program set up to run again and again in-process: external
// memory per chip (the constants image, the inputs written in their
// precisions), each core's scratchpads, and its output tensors read back as
// floats. The compiler's calibration and accuracy-aware precision search run
// the programs they compile with it; rapid-sim's driver adds files, options
// and reports around the same steps.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_SIM_MODEL_H
#define RAPID_SIM_MODEL_H

#include "rapid/Arch/ArchSpec.h"
#include "rapid/ISA/ModelBinary.h"
#include "rapid/Sim/Functional.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <vector>

namespace rapid::sim {

class ModelRunner {
public:
  /// Fails when the program does not fit the architecture's external
  /// memory.
  static llvm::Expected<std::unique_ptr<ModelRunner>>
  create(const isa::ModelBinary &model, const ArchSpec &arch);

  /// The model's input and output tensors, in model.bin's order.
  const std::vector<const isa::TensorDescriptor *> &inputs() const {
    return inputTensors;
  }
  const std::vector<const isa::TensorDescriptor *> &outputs() const {
    return outputTensors;
  }

  /// Runs the program (functional, untimed unless `options.timing`; the
  /// topology is the model's) on `values`, one vector per input (its
  /// elements row-major, converted to the input's precision), and returns
  /// the outputs' elements. Fails naming the input whose size is wrong, or
  /// with the executor's error.
  llvm::Expected<std::vector<std::vector<float>>>
  run(llvm::ArrayRef<std::vector<double>> values, RunStats *stats = nullptr,
      const RunOptions &options = RunOptions());

private:
  ModelRunner(const isa::ModelBinary &model, const ArchSpec &arch)
      : model(model), arch(arch) {}
  const isa::ModelBinary &model;
  ArchSpec arch;
  std::vector<const isa::TensorDescriptor *> inputTensors, outputTensors;
  std::vector<uint8_t> image;
};

/// Elements of a tensor.
uint64_t tensorElements(const isa::TensorDescriptor &t);

} // namespace rapid::sim

#endif // RAPID_SIM_MODEL_H
