//===- rapid-translate.cpp - Translations into and out of rapid -----------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// mlir-translate with the rapid translations registered:
//   --import-onnx           ONNX model -> rapid dialect
//   --rapid-layer-summary   rapid dialect -> per-layer JSON summary
//   --bin-to-asm            model.bin -> its text form (disassembler)
//   --asm-to-bin            the text form -> model.bin
//   --rapid-isa-to-bin      rapid_isa dialect -> model.bin
//   --bin-to-rapid-isa      model.bin -> rapid_isa dialect
//
//===----------------------------------------------------------------------===//

#include "rapid/Import/OnnxImporter.h"
#include "rapid/Target/BinaryTranslation.h"
#include "rapid/Target/LayerSummary.h"

#include "mlir/Support/LogicalResult.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  rapid::registerOnnxImportTranslation();
  rapid::registerLayerSummaryTranslation();
  rapid::registerBinaryTranslations();
  return mlir::failed(mlir::mlirTranslateMain(
      argc, argv,
      "rapid-translate: translations into and out of the rapid dialect\n\n"
      "  rapid-translate --import-onnx model.onnx -o model.mlir\n"
      "  rapid-translate --rapid-layer-summary model.mlir\n"
      "  rapid-translate --bin-to-asm model.bin -o model.s\n"
      "  rapid-translate --asm-to-bin model.s -o model.bin\n"
      "  rapid-translate --rapid-isa-to-bin model.isa.mlir -o model.bin\n"
      "  rapid-translate --bin-to-rapid-isa model.bin -o model.isa.mlir\n"));
}
