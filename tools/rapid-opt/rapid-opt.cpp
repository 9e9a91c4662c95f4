//===- rapid-opt.cpp - Pass driver for the rapid dialect ------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// mlir-opt with the rapid dialect and every rapid pass and pipeline
// registered: `rapid-opt --rapid-fold-batchnorm model.mlir`.
//
//===----------------------------------------------------------------------===//

#include "rapid/InitRapid.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  rapid::registerAllDialects(registry);
  rapid::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv,
      "rapid-opt: runs pass pipelines over the rapid dialect\n\n"
      "  rapid-opt model.mlir --rapid-graph-prep -o prepared.mlir\n"
      "  rapid-opt --help | grep rapid-     (lists the rapid passes)\n",
      registry));
}
