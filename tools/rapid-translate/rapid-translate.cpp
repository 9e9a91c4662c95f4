//===- rapid-translate.cpp - Translations into and out of rapid -----------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// mlir-translate with the rapid translations registered:
//   --import-onnx           ONNX model -> rapid dialect
//   --rapid-layer-summary   rapid dialect -> per-layer JSON summary
//
//===----------------------------------------------------------------------===//

#include "rapid/Import/OnnxImporter.h"
#include "rapid/Target/LayerSummary.h"

#include "mlir/Support/LogicalResult.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  rapid::registerOnnxImportTranslation();
  rapid::registerLayerSummaryTranslation();
  return mlir::failed(mlir::mlirTranslateMain(
      argc, argv,
      "rapid-translate: translations into and out of the rapid dialect\n\n"
      "  rapid-translate --import-onnx model.onnx -o model.mlir\n"
      "  rapid-translate --rapid-layer-summary model.mlir\n"));
}
