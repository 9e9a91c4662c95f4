//===- rapid-sim.cpp - Runs a compiled model.bin --------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// rapid-sim loads a model.bin (validating every byte and checking that the
// architecture it names is the one it was compiled for), places the inputs
// given as .npy files, executes every core's program (rapid::sim: the cores
// of each chip sharing its external memory, ring and link transfers between
// neighbours, barriers), counts cycles with the architecture's timing model
// (rapid::sim::TimingModel), and writes each output as a float32 .npy file;
// --stats sets each layer's simulated cycles beside the cost model's
// prediction (docs/rapid-sim.md).
//
//===----------------------------------------------------------------------===//

#include "rapid/Arch/ArchSpec.h"
#include "rapid/ISA/ModelBinary.h"
#include "rapid/Numerics/Quantize.h"
#include "rapid/Sim/Functional.h"
#include "rapid/Sim/Kernels.h"
#include "rapid/Sim/Model.h"
#include "rapid/Sim/Npy.h"
#include "rapid/Sim/Report.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <map>
#include <optional>
#include <set>

using namespace rapid;
namespace cl = llvm::cl;

namespace {
cl::OptionCategory category("rapid-sim options");
cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.bin>"), cl::cat(category));
cl::list<std::string> inputs("input", cl::value_desc("name=file.npy"),
                             cl::desc("An input tensor, by the name the model "
                                      "gives it (repeat for each input)"),
                             cl::cat(category));
cl::opt<std::string> outputDir("output-dir", cl::value_desc("dir"),
                               cl::desc("Where to write each output as "
                                        "<name>.npy (float32)"),
                               cl::init("."), cl::cat(category));
cl::opt<std::string> archOverride(
    "arch", cl::value_desc("name|file.json"),
    cl::desc("The architecture description, when model.bin's is not a "
             "preset (its fingerprint must match)"),
    cl::cat(category));
cl::opt<int64_t> maxInstructions("max-instructions", cl::value_desc("N"),
                                 cl::desc("Stop with an error after N "
                                          "instructions (0: no limit)"),
                                 cl::init(0), cl::cat(category));
cl::opt<sim::Schedule> schedule(
    "schedule", cl::desc("When engine instructions run:"),
    cl::init(sim::Schedule::Lazy),
    cl::values(clEnumValN(sim::Schedule::Lazy, "lazy",
                          "queued per engine, run only when the instruction "
                          "unit waits, latest first (the default: code that "
                          "relies on program order instead of semaphores "
                          "shows)"),
               clEnumValN(sim::Schedule::Eager, "eager",
                          "each when issued, in program order")),
    cl::cat(category));
cl::opt<numerics::Rounding> rounding(
    "rounding",
    cl::desc("How the PE array and the SFUs round into the float formats "
             "narrower than FP32 (FP16, DLFloat16, HFP8):"),
    cl::init(numerics::Rounding::NearestEven),
    cl::values(clEnumValN(numerics::Rounding::NearestEven, "nearest",
                          "to nearest even (the default)"),
               clEnumValN(numerics::Rounding::Stochastic, "stochastic",
                          "stochastically, with random bits that are a "
                          "function of --seed and of where each rounding "
                          "happens (core, instruction, its execution count, "
                          "element): the same seed gives the same bytes "
                          "whatever --threads and --schedule")),
    cl::cat(category));
cl::opt<uint64_t> seed("seed", cl::value_desc("N"),
                       cl::desc("The seed of --rounding=stochastic (default "
                                "0)"),
                       cl::init(0), cl::cat(category));
cl::opt<bool> quiet("q", cl::desc("Do not print the closing summary line"),
                    cl::cat(category));
cl::opt<bool> timing("timing",
                     cl::desc("Count cycles with the architecture's timing "
                              "model (default on; --timing=false runs "
                              "functionally only, a little faster)"),
                     cl::init(true), cl::cat(category));
cl::opt<std::string>
    statsJson("report-json", cl::value_desc("file"),
              cl::desc("Write the run's counts, cycles and per-layer "
                       "predicted-vs-simulated table as JSON"),
              cl::cat(category));
cl::opt<std::string>
    traceSpec("trace", cl::value_desc("core[:first-last]"),
              cl::desc("Print the instructions core `core` executes (`all`: "
                       "every core), optionally only those at pcs "
                       "first..last, with their issue cycle and, for engine "
                       "instructions, when they ran"),
              cl::cat(category));
cl::opt<int64_t> traceLimit("trace-limit", cl::value_desc("N"),
                            cl::desc("Stop tracing after N lines (default "
                                     "100000)"),
                            cl::init(100000), cl::cat(category));

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "rapid-sim") << message << "\n";
  return 1;
}

/// `name` with characters outside [A-Za-z0-9._-] replaced by '_'.
std::string fileName(llvm::StringRef name) {
  std::string out;
  for (char c : name)
    out += llvm::isAlnum(c) || c == '.' || c == '_' || c == '-' ? c : '_';
  return out.empty() ? "output" : out;
}

std::string shapeString(const std::vector<uint64_t> &shape) {
  std::string s;
  for (uint64_t d : shape)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return s.empty() ? "scalar" : s;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // -stats is LLVM's own option (libLLVM registers it); rapid-sim shows it
  // with its own options and reads it through AreStatisticsEnabled().
  cl::Option *statsOption = cl::getRegisteredOptions()["stats"];
  statsOption->addCategory(category);
  statsOption->setHiddenFlag(cl::NotHidden);
  statsOption->setDescription("Print the instruction, MAC, DMA and SFU "
                              "counts of the run");
  // libLLVM registers a -threads of its own, unused here: rapid-sim's
  // replaces it.
  if (cl::Option *llvmThreads = cl::getRegisteredOptions().lookup("threads"))
    llvmThreads->removeArgument();
  static cl::opt<unsigned> threads(
      "threads", cl::value_desc("N"),
      cl::desc("Threads for big PE-array tiles and DMA copies (0: one per "
               "hardware thread; the results do not depend on it)"),
      cl::init(1), cl::cat(category));
  static cl::opt<bool> vectorKernels(
      "vector-kernels",
      cl::desc("Use the AVX2/F16C kernels where the host has them (the "
               "scalar ones give the same results)"),
      cl::init(true), cl::Hidden, cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "rapid-sim: runs a compiled model.bin\n\n"
      "  rapid-sim model.bin --input image=x.npy --output-dir out/\n\n"
      "Inputs are .npy files (float32, float64, float16, int8 or int32, C "
      "order)\nwhose shape is the input's; they are converted to the "
      "precision the\nmodel stores the input in. Every output is written "
      "as float32.\nErrors name the file and the reason; the exit code is "
      "non-zero on any error.\n");
  auto start = std::chrono::steady_clock::now();
  sim::setKernelThreads(threads);
  sim::setVectorKernels(vectorKernels);

  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(modelPath, /*IsText=*/false);
  if (!file)
    return fail("cannot read '" + modelPath +
                "': " + file.getError().message());
  llvm::StringRef bytes = (*file)->getBuffer();
  llvm::Expected<isa::ModelBinary> model = isa::readModelBinary(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()),
                              bytes.size()),
      modelPath);
  if (!model)
    return fail(llvm::toString(model.takeError()));

  std::string archName = archOverride.empty() ? model->arch : archOverride;
  llvm::Expected<ArchSpec> arch = loadArchSpec(archName);
  if (!arch)
    return fail(modelPath + ": architecture '" + archName +
                "': " + llvm::toString(arch.takeError()) +
                " (pass its description with --arch)");
  if (fingerprint(*arch) != model->archFingerprint)
    return fail(llvm::formatv(
        "{0}: compiled for an architecture with fingerprint {1:x16}, but "
        "'{2}' has {3:x16}; recompile the model or pass the description it "
        "was compiled for with --arch",
        modelPath, model->archFingerprint, archName, fingerprint(*arch)));

  // External memory, the constants image, the inputs and outputs.
  llvm::Expected<std::unique_ptr<sim::ModelRunner>> runner =
      sim::ModelRunner::create(*model, *arch);
  if (!runner)
    return fail(modelPath + ": " + llvm::toString(runner.takeError()));

  // Inputs.
  std::map<std::string, std::string> given;
  for (const std::string &binding : inputs) {
    auto [name, path] = llvm::StringRef(binding).split('=');
    if (path.empty() || name.empty())
      return fail("--input '" + binding + "': expected name=file.npy");
    if (!given.emplace(name.str(), path.str()).second)
      return fail("--input '" + name + "' given twice");
  }
  std::string inputNames;
  for (const isa::TensorDescriptor *t : (*runner)->inputs())
    inputNames += (inputNames.empty() ? "" : ", ") + t->name + " (" +
                  shapeString(t->shape) + " " +
                  stringify(Precision(t->dtype)).str() + ")";
  std::vector<std::vector<double>> values;
  for (const isa::TensorDescriptor *input : (*runner)->inputs()) {
    const isa::TensorDescriptor &t = *input;
    auto it = given.find(t.name);
    if (it == given.end())
      return fail("missing input '" + t.name + "' (" + shapeString(t.shape) +
                  "); pass --input " + t.name + "=FILE.npy");
    llvm::Expected<sim::NpyArray> a = sim::readNpy(it->second);
    if (!a)
      return fail(llvm::toString(a.takeError()));
    std::vector<uint64_t> shape(a->shape.begin(), a->shape.end());
    if (shape != t.shape)
      return fail(it->second + ": shape " + shapeString(shape) +
                  ", but input '" + t.name + "' has shape " +
                  shapeString(t.shape));
    values.push_back(std::move(a->data));
    given.erase(it);
  }
  if (!given.empty())
    return fail("--input '" + given.begin()->first +
                "': the model has no such input; its inputs are " + inputNames);

  sim::RunOptions options;
  options.topology = {int64_t(model->chipsX), int64_t(model->chipsY),
                      int64_t(model->coresPerChip)};
  options.maxInstructions = maxInstructions;
  options.schedule = schedule;
  options.rounding = rounding;
  options.seed = seed;
  std::optional<sim::TimingModel> timingModel;
  if (timing) {
    timingModel.emplace(*arch, int64_t(model->coresPerChip));
    options.timing = &*timingModel;
  }
  if (!traceSpec.empty()) {
    auto [who, range] = llvm::StringRef(traceSpec).split(':');
    options.trace.os = &llvm::outs();
    options.trace.limit = traceLimit;
    if (who != "all" && who.getAsInteger(10, options.trace.core))
      return fail("--trace '" + traceSpec +
                  "': expected a core number or 'all', then optionally "
                  ":first-last");
    if (!range.empty()) {
      auto [first, last] = range.split('-');
      if (first.getAsInteger(10, options.trace.firstPc) ||
          last.getAsInteger(10, options.trace.lastPc) ||
          options.trace.firstPc > options.trace.lastPc)
        return fail("--trace '" + traceSpec +
                    "': the pc range must be first-last with first <= last");
    }
    if (who != "all" &&
        llvm::none_of(model->cores, [&](const isa::CoreProgram &c) {
          return int64_t(c.core) == options.trace.core;
        })) {
      std::string cores;
      for (const isa::CoreProgram &c : model->cores)
        cores += (cores.empty() ? "" : ", ") + std::to_string(c.core);
      return fail("--trace '" + traceSpec +
                  "': the model has no program for "
                  "core " +
                  who + "; its cores are " + cores);
    }
  }
  sim::RunStats runStats;
  llvm::Expected<std::vector<std::vector<float>>> results =
      (*runner)->run(values, &runStats, options);
  if (!results)
    return fail(modelPath + ": " + llvm::toString(results.takeError()));

  // Outputs.
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return fail("cannot create '" + outputDir + "': " + ec.message());
  std::vector<std::string> written;
  std::set<std::string> usedNames;
  for (auto [k, output] : llvm::enumerate((*runner)->outputs())) {
    const isa::TensorDescriptor &t = *output;
    std::vector<int64_t> shape(t.shape.begin(), t.shape.end());
    std::vector<uint8_t> npy = sim::encodeNpyFloat32(shape, (*results)[k]);
    // Distinct names can sanitize to one file name: number the later ones.
    std::string base = fileName(t.name), name = base;
    for (int i = 1; !usedNames.insert(name).second; ++i)
      name = base + "." + std::to_string(i);
    llvm::SmallString<128> path(outputDir);
    llvm::sys::path::append(path, name + ".npy");
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
    if (ec)
      return fail("cannot write '" + path + "': " + ec.message());
    os.write(reinterpret_cast<const char *>(npy.data()), npy.size());
    written.push_back(path.str().str());
  }
  if (llvm::AreStatisticsEnabled()) {
    llvm::outs() << llvm::formatv(
        "instructions {0}\nmacs {1}\ndma_bytes {2}\nsfu_elements {3}\n",
        runStats.instructions, runStats.macs, runStats.dmaBytes,
        runStats.sfuElements);
    // Dynamic sparsity: the MACs with a zero operand (docs/rapid-sim.md).
    llvm::outs() << llvm::formatv(
        "zero_input_macs {0}\nzero_weight_macs {1}\nskippable_macs {2}\n",
        runStats.zeroInputMacs, runStats.zeroWeightMacs,
        runStats.skippableMacs);
    if (timing)
      sim::printLayerTable(*model, *arch, runStats, llvm::outs());
  }
  if (!statsJson.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(statsJson, ec, llvm::sys::fs::OF_None);
    if (ec)
      return fail("cannot write '" + statsJson + "': " + ec.message());
    sim::writeStatsJSON(*model, *arch, runStats, timing, os);
  }
  llvm::outs().flush();
  if (!quiet) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    std::string files;
    for (const std::string &w : written)
      files += (files.empty() ? "" : ", ") + w;
    std::string cycles;
    if (timing)
      cycles = llvm::formatv(" in {0:F0} cycles ({1:F3} ms at {2} GHz)",
                             runStats.cycles,
                             runStats.cycles / (arch->core.frequencyGHz * 1e6),
                             arch->core.frequencyGHz);
    llvm::errs() << llvm::formatv(
        "rapid-sim: {0}: {1} instructions, {2} MACs on {3} core{4}{5}; wrote "
        "{6} in {7:F2} s\n",
        modelPath, runStats.instructions, runStats.macs, model->cores.size(),
        model->cores.size() == 1 ? "" : "s", cycles,
        files.empty() ? "no outputs" : files, seconds);
  }
  return 0;
}
