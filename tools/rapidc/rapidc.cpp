//===- rapidc.cpp - The rapid compiler driver -----------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// rapidc runs the compiler's stages in order on one model and writes what
// --emit asks for. Stages present in this build: parse and verify the rapid
// dialect, graph preparation (-O1), DeepMatrix mapping for --arch (searched
// at -O1/-O2, the hand-tuned baseline at -O0), the mapping report, the
// backend (rapid-lower-to-isa) and the emitters below: the rapid dialect,
// the rapid_isa dialect, the model.bin text form, or model.bin itself.
//
//===----------------------------------------------------------------------===//

#include "rapid/Backend/LayerLowering.h"
#include "rapid/ISA/ModelBinary.h"
#include "rapid/Import/OnnxImporter.h"
#include "rapid/InitRapid.h"
#include "rapid/Target/LayerSummary.h"
#include "rapid/Target/MappingReport.h"
#include "rapid/Transforms/Passes.h"

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
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <chrono>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class Emit { MLIR, Summary, ISA, Asm, Bin };

cl::OptionCategory rapidcCategory("rapidc options");

cl::opt<std::string> inputFilename(cl::Positional, cl::Required,
                                   cl::desc("<model.onnx|model.mlir>"),
                                   cl::cat(rapidcCategory));
cl::opt<std::string> outputFilename("o", cl::value_desc("file"),
                                    cl::desc("Output file ('-' for stdout)"),
                                    cl::init("-"), cl::cat(rapidcCategory));
cl::opt<Emit> emit(
    "emit",
    cl::desc("What to produce (default: bin when -o names a .bin file, else "
             "mlir):"),
    cl::init(Emit::MLIR),
    cl::values(
        clEnumValN(Emit::MLIR, "mlir",
                   "the rapid dialect after graph preparation and mapping"),
        clEnumValN(Emit::Summary, "summary",
                   "per-layer workload summary as JSON"),
        clEnumValN(Emit::ISA, "isa",
                   "the compiled program in the rapid_isa dialect"),
        clEnumValN(Emit::Asm, "asm",
                   "the compiled program as model.bin's text form"),
        clEnumValN(Emit::Bin, "bin", "model.bin (docs/model-bin.md)")),
    cl::cat(rapidcCategory));
cl::opt<char> optLevel("O", cl::Prefix, cl::init('1'), cl::value_desc("level"),
                       cl::desc("Optimization level: -O0 keeps the graph as "
                                "given and maps every layer with the "
                                "hand-tuned baseline mapping; -O1 (default) "
                                "runs graph preparation (rapid-graph-prep) "
                                "and the DeepMatrix mapping search within "
                                "--map-budget; -O2 lets the search run to "
                                "completion (no budget)"),
                       cl::cat(rapidcCategory));
cl::opt<int64_t> batchSize("batch", cl::value_desc("N"),
                           cl::desc("ONNX input: bind a symbolic leading "
                                    "(batch) dimension to N"),
                           cl::init(0), cl::cat(rapidcCategory));
cl::opt<int64_t> minibatch(
    "minibatch", cl::value_desc("N"), cl::init(0),
    cl::desc("ONNX input: set the leading (batch) dimension of every input to "
             "N, static or not (train or infer a model exported at batch 1 at "
             "minibatch N)"),
    cl::cat(rapidcCategory));
cl::list<std::string>
    inputShapes("input-shape", cl::value_desc("name=d0xd1x..."),
                cl::desc("ONNX input: give input `name` a static shape, e.g. "
                         "image=1x3x224x224"),
                cl::cat(rapidcCategory));
cl::opt<bool> printOpStats(
    "print-op-stats",
    cl::desc("Print op counts and per-layer workload, parameters and MACs"),
    cl::cat(rapidcCategory));
cl::opt<std::string>
    archName("arch", cl::value_desc("name|file.json"), cl::init("rapid-core"),
             cl::desc("Target architecture: a preset (rapid-core, "
                      "deeptools-chip, deeptools-64chip, ...; see arch/) or a "
                      "description file (docs/arch.md)"),
             cl::cat(rapidcCategory));
cl::opt<std::string> modeName("mode", cl::value_desc("infer|train"),
                              cl::init("infer"),
                              cl::desc("infer maps the forward pass; train "
                                       "also maps back-propagation and the "
                                       "weight update of every layer"),
                              cl::cat(rapidcCategory));
cl::opt<std::string> precisionName(
    "precision",
    cl::value_desc("fp32|fp16|hfp8|hybrid-fp8|int8|int4|int4-biscaled|"
                   "int4-fpec|int2|auto"),
    cl::init("fp16"),
    cl::desc("Precision policy (docs/precision.md). fp16 (fp32 sums), hfp8 "
             "(fp16 sums in chunks of 64) and fp32 (the verification mode: "
             "fp32 weights, activations and sums, emulated at a quarter of "
             "the fp16 MAC rate where the arch gives fp32 none) set every "
             "layer; hybrid-fp8 keeps the first and last layers in fp16 and "
             "runs the others in hfp8; int8, int4 and int2 quantize every "
             "layer but the first and last (SAWB weights; inputs from PACT "
             "clips or calibrated on --calibration); int4-biscaled as int4 "
             "with BiScaled weights; int4-fpec as int4 with error "
             "compensation (FPEC); auto lowers layer by "
             "layer, int8 then int4, while the calibration set's top-1 stays "
             "within --tolerance points"),
    cl::cat(rapidcCategory));
cl::opt<std::string> calibrationFile(
    "calibration", cl::value_desc("file.npy"),
    cl::desc("Calibration inputs for the integer and auto policies: [N, ...] "
             "of the model input's shape without its batch dimension"),
    cl::cat(rapidcCategory));
cl::opt<std::string> calibrationLabels(
    "calibration-labels", cl::value_desc("file.npy"),
    cl::desc("auto: the calibration inputs' class labels (without: agreement "
             "with the fp32 model's top-1)"),
    cl::cat(rapidcCategory));
cl::opt<int64_t> calibrationSamples(
    "calibration-samples", cl::value_desc("N"), cl::init(512),
    cl::desc("Calibration inputs used (at least one batch; 0: all)"),
    cl::cat(rapidcCategory));
cl::opt<std::string>
    weightClip("weight-clip", cl::value_desc("sawb|max|percentile"),
               cl::init("sawb"),
               cl::desc("Clip of integer layers' weights: SAWB, max-abs or the "
                        "--clip-percentile percentile of |w|"),
               cl::cat(rapidcCategory));
cl::opt<std::string> activationClip(
    "activation-clip", cl::value_desc("mse|max|percentile"), cl::init("mse"),
    cl::desc("Calibrated clip of integer layers' inputs that no PACT clip "
             "bounds: the MSE-optimal one, the maximum or the "
             "--clip-percentile percentile"),
    cl::cat(rapidcCategory));
cl::opt<double> clipPercentile("clip-percentile", cl::value_desc("p"),
                               cl::init(99.99),
                               cl::desc("The percentile of the percentile "
                                        "clips"),
                               cl::cat(rapidcCategory));
cl::opt<double>
    tolerance("tolerance", cl::value_desc("points"), cl::init(1.0),
              cl::desc("auto: top-1 accuracy points allowed below fp16's"),
              cl::cat(rapidcCategory));
cl::opt<bool> quantizeEnds(
    "quantize-ends",
    cl::desc("Integer policies: quantize the first and last layer too"),
    cl::cat(rapidcCategory));
cl::opt<std::string> shortcutMode(
    "shortcut", cl::value_desc("full|quantized"), cl::init("full"),
    cl::desc("Residual adds: full precision (default) or their operands "
             "quantized at the policy's width"),
    cl::cat(rapidcCategory));
cl::opt<bool> noMap("no-map",
                    cl::desc("Stop before mapping (--emit=summary without "
                             "--report does not map either)"),
                    cl::cat(rapidcCategory));
cl::opt<int64_t> mapBudget("map-budget", cl::value_desc("N"), cl::init(4000000),
                           cl::desc("Cost-model evaluations allowed per layer "
                                    "kernel in the mapping search (0: "
                                    "unlimited)"),
                           cl::cat(rapidcCategory));
cl::opt<bool> report("report",
                     cl::desc("Print the per-layer mapping table: dataflow, "
                              "tiles, loop order, predicted cycles and their "
                              "breakdown, speedup over the baseline mapping"),
                     cl::cat(rapidcCategory));
cl::opt<std::string> reportJSON("report-json", cl::value_desc("file"),
                                cl::desc("Write the mapping report as JSON"),
                                cl::cat(rapidcCategory));
cl::opt<std::string>
    reportHTML("report-html", cl::value_desc("file"),
               cl::desc("Write the mapping report as a self-contained HTML "
                        "page with a stacked bar chart per layer kernel"),
               cl::cat(rapidcCategory));
cl::opt<int64_t> spatialBudget(
    "spatial-budget", cl::value_desc("N"), cl::init(100000),
    cl::desc("Cost-model evaluations per core search while dividing layers "
             "over chips and cores (DeepSpatialMatrix)"),
    cl::cat(rapidcCategory));
cl::opt<bool> noMemoryOpts(
    "no-memory-opts",
    cl::desc("Divide layers without activation reuse, Dynamic Spatial "
             "Minibatching, weight pre-loading or timestep pipelining"),
    cl::cat(rapidcCategory));
cl::opt<std::string> compressWeights(
    "compress-weights", cl::value_desc("auto|never|always"), cl::init("auto"),
    cl::desc("Store sparse weights bitmap-compressed in model.bin, moved by "
             "ext_to_lx_unpack DMAs: auto (when a layer's largest compressed "
             "B tile, its padding counted as non-zero, is at most 3/4 of a "
             "dense one), never, always (when it is not larger)"),
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
      "  rapidc model.mlir --emit=summary          per-layer JSON\n"
      "  rapidc model.onnx --arch deeptools-chip --report -o model.mlir\n"
      "                                           map every layer, print the "
      "table\n"
      "  rapidc model.onnx -o model.bin           compile for rapid-core\n"
      "  rapidc model.onnx --emit=asm -o model.s  the program, readable\n\n"
      "Input is an ONNX model (opsets 9-17) or a model in the rapid dialect\n"
      "(.mlir). Diagnostics name the file, node or line, and the reason; the\n"
      "exit code is non-zero on any error and no output file is left.\n");
  auto start = std::chrono::steady_clock::now();

  if (optLevel != '0' && optLevel != '1' && optLevel != '2')
    return fail("unknown optimization level -O" +
                llvm::Twine(optLevel.getValue()) + "; use -O0, -O1 or -O2");
  if (!emit.getNumOccurrences() &&
      llvm::sys::path::extension(outputFilename) == ".bin")
    emit = Emit::Bin;
  bool wantProgram =
      emit == Emit::ISA || emit == Emit::Asm || emit == Emit::Bin;
  if (wantProgram && noMap)
    return fail("--emit=" +
                std::string(emit == Emit::ISA   ? "isa"
                            : emit == Emit::Asm ? "asm"
                                                : "bin") +
                " compiles the mapped model; drop --no-map");
  rapid::OnnxImportOptions importOptions;
  if (batchSize.getNumOccurrences()) {
    if (batchSize < 1)
      return fail("--batch must be >= 1, got " + llvm::Twine(batchSize));
    importOptions.batch = batchSize;
  }
  if (minibatch.getNumOccurrences()) {
    if (minibatch < 1)
      return fail("--minibatch must be >= 1, got " + llvm::Twine(minibatch));
    importOptions.minibatch = minibatch;
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

  // Policies that choose per layer (rapid-assign-precision) rewrite the
  // model's types first; the mapping's own precision is then fp16's.
  bool perLayer = rapid::choosesPerLayer(precisionName);
  std::string mapPrecision = perLayer ? "fp16" : precisionName.getValue();

  int64_t opsBefore = 0, opsAfter = 0;
  module->walk([&](Operation *) { ++opsBefore; });
  if (optLevel != '0') {
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

  // Mapping: DeepMatrix for every layer kernel on --arch.
  rapid::MappingStatsSink mapStats;
  rapid::SpatialStats spatialStats;
  std::optional<rapid::ArchSpec> arch;
  // The layer summary alone needs no mapping unless a report is asked for.
  bool wantReport = report || !reportJSON.empty() || !reportHTML.empty();
  if (!noMap && (emit == Emit::MLIR || wantReport || wantProgram)) {
    llvm::Expected<rapid::ArchSpec> spec = rapid::loadArchSpec(archName);
    if (!spec)
      return fail("--arch: " + llvm::toString(spec.takeError()));
    arch = std::move(*spec);
    if (modeName != "infer" && modeName != "train")
      return fail("--mode must be infer or train, got '" + modeName + "'");
    // Policies that choose per layer rewrite the model's types first; the
    // mapping's own precision is then fp16's for the other layers.
    if (!llvm::is_contained(rapid::precisionPolicies(),
                            llvm::StringRef(precisionName)))
      return fail("--precision must be " + rapid::listPrecisionPolicies() +
                  ", got '" + precisionName + "'");
    if (perLayer) {
      phase("assigning precisions (rapid-assign-precision, " + precisionName +
            ")");
      PassManager pm(&context);
      if (failed(applyPassManagerCLOptions(pm)))
        return fail("invalid pass manager options");
      TimingScope assignTiming = timing.nest("Assign precision");
      pm.enableTiming(assignTiming);
      rapid::RapidAssignPrecisionOptions options;
      options.policy = precisionName;
      options.arch = archName;
      options.calibration = calibrationFile;
      options.labels = calibrationLabels;
      options.samples = calibrationSamples;
      options.weights = weightClip;
      options.activations = activationClip;
      options.percentile = clipPercentile;
      options.tolerance = tolerance;
      options.quantizeEnds = quantizeEnds;
      options.shortcut = shortcutMode;
      pm.addPass(rapid::createRapidAssignPrecision(options));
      if (failed(pm.run(*module)))
        return fail("cannot assign precisions to '" + inputFilename + "'");
    }
    if (mapBudget < 0)
      return fail("--map-budget must be >= 0, got " + llvm::Twine(mapBudget));
    if (spatialBudget < 0)
      return fail("--spatial-budget must be >= 0, got " +
                  llvm::Twine(spatialBudget));
    PassManager pm(&context);
    if (failed(applyPassManagerCLOptions(pm)))
      return fail("invalid pass manager options");
    TimingScope mapTiming = timing.nest("Mapping");
    pm.enableTiming(mapTiming);
    phase(optLevel != '0'
              ? "dividing layers (rapid-deep-spatial-matrix) on " + arch->name
              : "homogeneous baseline division on " + arch->name);
    rapid::RapidDeepSpatialMatrixOptions spatialOptions;
    spatialOptions.arch = archName;
    spatialOptions.mode = modeName;
    spatialOptions.precision = mapPrecision;
    spatialOptions.budget = spatialBudget;
    spatialOptions.memoryOpts = !noMemoryOpts;
    spatialOptions.baseline = optLevel == '0';
    if (optLevel == '2')
      spatialOptions.budget = 0;
    // Progress on the terminal: dividing a large network takes a while.
    pm.addPass(rapid::createDeepSpatialMatrixPass(
        spatialOptions, &spatialStats,
        !quiet && llvm::sys::Process::StandardErrIsDisplayed()));
    phase(optLevel != '0' ? "mapping (rapid-deep-matrix) on " + arch->name
                          : "baseline mapping on " + arch->name);
    rapid::RapidDeepMatrixOptions options;
    options.arch = archName;
    options.mode = modeName;
    options.precision = mapPrecision;
    options.budget = optLevel == '2' ? 0 : int64_t(mapBudget);
    options.search = optLevel != '0';
    pm.addPass(rapid::createDeepMatrixPass(options, &mapStats));
    if (failed(pm.run(*module)))
      return fail("mapping failed on '" + inputFilename + "'");
  } else if (wantReport) {
    return fail("--report needs the mapping stage; drop --no-map");
  }

  rapid::ModelSummary summary = rapid::summarizeModel(*module);
  std::optional<rapid::MappingReport> mapReport;
  if (arch)
    mapReport = rapid::buildMappingReport(
        *module, *arch, &mapStats, optLevel != '0' ? &spatialStats : nullptr);

  // The backend: the program for --arch.
  std::optional<rapid::isa::ModelBinary> binary;
  rapid::LowerToISAStats lowerStats;
  if (!rapid::backend::parseCompressWeights(compressWeights))
    return fail("--compress-weights must be auto, never or always, got '" +
                compressWeights + "'");
  if (wantProgram) {
    if (modeName != "infer")
      return fail("--emit=isa/asm/bin compiles inference programs; training "
                  "programs are not lowered yet");
    phase("lowering to the ISA (rapid-lower-to-isa) for " + arch->name);
    PassManager pm(&context);
    if (failed(applyPassManagerCLOptions(pm)))
      return fail("invalid pass manager options");
    TimingScope lowerTiming = timing.nest("Lower to ISA");
    pm.enableTiming(lowerTiming);
    rapid::RapidLowerToISAOptions options;
    options.arch = archName;
    options.precision = mapPrecision;
    options.compressWeights = compressWeights;
    pm.addPass(rapid::createLowerToISAPass(options, &lowerStats));
    if (failed(pm.run(*module)))
      return fail("cannot compile '" + inputFilename + "' for " + arch->name);
    TimingScope encodeTiming = timing.nest("Encode");
    SmallVector<rapid::isa::ProgramOp> programs(
        module->getOps<rapid::isa::ProgramOp>());
    FailureOr<rapid::isa::ModelBinary> m =
        rapid::isa::toModelBinary(programs.front());
    if (failed(m))
      return fail("cannot encode the program of '" + inputFilename + "'");
    binary = std::move(*m);
    if (mapReport)
      for (rapid::MappingReportRow &row : mapReport->rows)
        if (row.weightSparsity)
          row.weightsCompressed =
              llvm::is_contained(lowerStats.compressedLayers, row.name);
  }

  phase("writing " + outputFilename);
  auto output = openOutputFile(outputFilename, &errorMessage);
  if (!output)
    return fail("cannot write '" + outputFilename + "': " + errorMessage);
  if (printOpStats)
    rapid::printLayerTable(summary, llvm::outs());
  if (report)
    rapid::printMappingReport(*mapReport, llvm::outs());
  if (!reportJSON.empty()) {
    auto json = openOutputFile(reportJSON, &errorMessage);
    if (!json)
      return fail("cannot write '" + reportJSON + "': " + errorMessage);
    rapid::writeMappingReportJSON(*mapReport, json->os());
    json->keep();
  }
  if (!reportHTML.empty()) {
    auto html = openOutputFile(reportHTML, &errorMessage);
    if (!html)
      return fail("cannot write '" + reportHTML + "': " + errorMessage);
    rapid::writeMappingReportHTML(*mapReport, html->os());
    html->keep();
  }
  uint64_t binaryBytes = 0;
  {
    TimingScope emitTiming = timing.nest("Emit");
    if (emit == Emit::MLIR || emit == Emit::ISA) {
      module->print(output->os());
    } else if (emit == Emit::Asm) {
      output->os() << rapid::isa::printModelAssembly(*binary);
    } else if (emit == Emit::Bin) {
      llvm::Expected<std::vector<uint8_t>> bytes =
          rapid::isa::writeModelBinary(*binary);
      if (!bytes)
        return fail("cannot write model.bin: " +
                    llvm::toString(bytes.takeError()));
      binaryBytes = bytes->size();
      output->os().write(reinterpret_cast<const char *>(bytes->data()),
                         bytes->size());
    } else {
      rapid::writeLayerSummaryJSON(summary, output->os());
    }
  }
  output->keep();
  timing.stop();

  if (!quiet) {
    // The tables above went to stdout: keep them before the summary.
    llvm::outs().flush();
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
    if (binary) {
      size_t instructions = 0, descriptors = 0;
      for (const rapid::isa::CoreProgram &c : binary->cores) {
        instructions += c.code.size();
        descriptors += c.dma.size() + c.tiles.size();
      }
      llvm::errs() << llvm::formatv(
          "rapidc: program for {0}: {1} instructions ({2} bytes of code), {3} "
          "descriptors, {4} bytes of constants{5}\n",
          binary->arch, instructions,
          instructions * rapid::isa::kInstructionBytes, descriptors,
          binary->constants.size(),
          binaryBytes
              ? llvm::formatv("; model.bin {0} bytes", binaryBytes).str()
              : std::string());
      if (!lowerStats.compressedLayers.empty())
        llvm::errs() << llvm::formatv(
            "rapidc: compressed weights of {0} layer{4}: {1} bytes instead "
            "of {2} ({3} bytes saved)\n",
            lowerStats.compressedLayers.size(), lowerStats.compressedBytes,
            lowerStats.denseBytes,
            lowerStats.denseBytes - lowerStats.compressedBytes,
            lowerStats.compressedLayers.size() == 1 ? "" : "s");
    }
    if (mapReport && !mapReport->rows.empty())
      llvm::errs() << llvm::formatv(
          "rapidc: mapped {0} layer kernel{5} on {1}: {2:F3} ms predicted per "
          "{6}, {3:F1}% utilization, {4:F2}x over the homogeneous baseline\n",
          mapReport->rows.size(), mapReport->arch, mapReport->milliseconds(),
          100 * mapReport->utilization(), mapReport->speedup(),
          mapReport->rows.size() == 1 ? "" : "s",
          mapReport->training ? "training step" : "inference");
  }
  return 0;
}
