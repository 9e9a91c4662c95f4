//===- rapidc.cpp - The rapid compiler driver -----------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// rapidc runs the compiler's stages in order on one model and writes what
// --emit asks for. Stages present in this build: parse and verify the rapid
// dialect, graph preparation (-O1), and the emitters below.
//
//===----------------------------------------------------------------------===//

#include "rapid/Import/OnnxImporter.h"
#include "rapid/InitRapid.h"
#include "rapid/Target/LayerSummary.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Pass.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <chrono>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class Emit { MLIR, Summary };

cl::OptionCategory rapidcCategory("rapidc options");

cl::opt<std::string> inputFilename(cl::Positional, cl::Required,
                                   cl::desc("<model.onnx|model.mlir>"),
                                   cl::cat(rapidcCategory));
cl::opt<std::string> outputFilename("o", cl::value_desc("file"),
                                    cl::desc("Output file ('-' for stdout)"),
                                    cl::init("-"), cl::cat(rapidcCategory));
cl::opt<Emit>
    emit("emit", cl::desc("What to produce:"), cl::init(Emit::MLIR),
         cl::values(clEnumValN(Emit::MLIR, "mlir",
                               "the rapid dialect after graph preparation"),
                    clEnumValN(Emit::Summary, "summary",
                               "per-layer workload summary as JSON")),
         cl::cat(rapidcCategory));
cl::opt<char> optLevel("O", cl::Prefix, cl::init('1'), cl::value_desc("level"),
                       cl::desc("Optimization level: -O0 keeps the graph as "
                                "given, -O1 (default) runs graph preparation "
                                "(rapid-graph-prep)"),
                       cl::cat(rapidcCategory));
cl::opt<int64_t> batchSize("batch", cl::value_desc("N"),
                           cl::desc("ONNX input: bind a symbolic leading "
                                    "(batch) dimension to N"),
                           cl::init(0), cl::cat(rapidcCategory));
cl::list<std::string>
    inputShapes("input-shape", cl::value_desc("name=d0xd1x..."),
                cl::desc("ONNX input: give input `name` a static shape, e.g. "
                         "image=1x3x224x224"),
                cl::cat(rapidcCategory));
cl::opt<bool> printOpStats(
    "print-op-stats",
    cl::desc("Print op counts and per-layer workload, parameters and MACs"),
    cl::cat(rapidcCategory));
cl::opt<bool> verbose("v", cl::desc("Print each phase as it starts"),
                      cl::cat(rapidcCategory));
cl::opt<bool> quiet("q", cl::desc("Do not print the closing summary line"),
                    cl::cat(rapidcCategory));

void phase(llvm::StringRef what) {
  if (verbose)
    llvm::errs() << "rapidc: " << what << "\n";
}

/// 416520 -> "416.5k": counts at a glance.
std::string humanCount(double n) {
  const char *units[] = {"", "k", "M", "G", "T"};
  unsigned u = 0;
  while (n >= 1000.0 && u + 1 < std::size(units)) {
    n /= 1000.0;
    ++u;
  }
  return llvm::formatv(u ? "{0:F1}{1}" : "{0:F0}{1}", n, units[u]).str();
}

int fail(llvm::Twine message) {
  llvm::WithColor::error(llvm::errs(), "rapidc") << message << "\n";
  return 1;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerPassManagerCLOptions();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  // -time-passes is LLVM's own option (libLLVM registers it); rapidc uses it
  // for its phase timing report and shows it with its own options.
  cl::Option *timePasses = cl::getRegisteredOptions()["time-passes"];
  timePasses->addCategory(rapidcCategory);
  timePasses->setHiddenFlag(cl::NotHidden);
  timePasses->setDescription("Report the time of each compiler phase");
  cl::HideUnrelatedOptions(rapidcCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "rapidc: compiles a model for a RaPiD-style AI accelerator\n\n"
      "  rapidc model.onnx -o model.mlir           import + graph preparation\n"
      "  rapidc model.onnx --print-op-stats -o /dev/null   layers and MACs\n"
      "  rapidc model.mlir --emit=summary          per-layer JSON\n\n"
      "Input is an ONNX model (opsets 9-17) or a model in the rapid dialect\n"
      "(.mlir). Diagnostics name the file, node or line, and the reason; the\n"
      "exit code is non-zero on any error and no output file is left.\n");
  auto start = std::chrono::steady_clock::now();

  if (optLevel != '0' && optLevel != '1')
    return fail("unknown optimization level -O" +
                llvm::Twine(optLevel.getValue()) + "; use -O0 or -O1");
  rapid::OnnxImportOptions importOptions;
  if (batchSize.getNumOccurrences()) {
    if (batchSize < 1)
      return fail("--batch must be >= 1, got " + llvm::Twine(batchSize));
    importOptions.batch = batchSize;
  }
  for (const std::string &binding : inputShapes) {
    std::string error = rapid::parseInputShapeBinding(binding, importOptions);
    if (!error.empty())
      return fail("--input-shape: " + error);
  }
  bool isOnnx = llvm::sys::path::extension(inputFilename) == ".onnx";

  DialectRegistry registry;
  rapid::registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &errorMessage);
  if (!input)
    return fail("cannot read '" + inputFilename + "': " + errorMessage);

  DefaultTimingManager tm;
  tm.setEnabled(llvm::TimePassesIsEnabled);
  TimingScope timing = tm.getRootScope();

  OwningOpRef<ModuleOp> module;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  if (isOnnx) {
    phase("importing " + inputFilename);
    TimingScope importTiming = timing.nest("Import ONNX");
    // The importer streams the file itself; the mapping above only checked
    // that the file can be read.
    input.reset();
    module = rapid::importOnnxFile(inputFilename, &context, importOptions);
    if (!module)
      return fail("cannot import '" + inputFilename + "'");
  } else {
    phase("parsing " + inputFilename);
    sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
    TimingScope parseTiming = timing.nest("Parse and verify");
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return fail("'" + inputFilename +
                  "' is not a valid rapid-dialect module");
  }

  int64_t opsBefore = 0, opsAfter = 0;
  module->walk([&](Operation *) { ++opsBefore; });
  if (optLevel == '1') {
    phase("graph preparation (rapid-graph-prep)");
    PassManager pm(&context);
    if (failed(applyPassManagerCLOptions(pm)))
      return fail("invalid pass manager options");
    TimingScope prepTiming = timing.nest("Graph preparation");
    pm.enableTiming(prepTiming);
    rapid::buildGraphPrepPipeline(pm);
    if (failed(pm.run(*module)))
      return fail("graph preparation failed on '" + inputFilename + "'");
  }
  module->walk([&](Operation *) { ++opsAfter; });

  phase("writing " + outputFilename);
  auto output = openOutputFile(outputFilename, &errorMessage);
  if (!output)
    return fail("cannot write '" + outputFilename + "': " + errorMessage);
  rapid::ModelSummary summary = rapid::summarizeModel(*module);
  if (printOpStats)
    rapid::printLayerTable(summary, llvm::outs());
  {
    TimingScope emitTiming = timing.nest("Emit");
    if (emit == Emit::MLIR)
      module->print(output->os());
    else
      rapid::writeLayerSummaryJSON(summary, output->os());
  }
  output->keep();
  timing.stop();

  if (!quiet) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    llvm::errs() << llvm::formatv(
        "rapidc: {0}: {1} layer{8}, {2} MACs, {3} bytes of weights; {4} ops -> "
        "{5}; wrote {6} in {7:F2} s\n",
        inputFilename, summary.layers.size(), humanCount(summary.totalMacs),
        humanCount(summary.totalWeightBytes), opsBefore, opsAfter,
        outputFilename == "-" ? std::string("stdout")
                              : std::string(outputFilename),
        seconds, summary.layers.size() == 1 ? "" : "s");
  }
  return 0;
}
