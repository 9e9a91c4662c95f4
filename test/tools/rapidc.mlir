// rapidc runs graph preparation and mapping, and reports what it did.
// RUN: rapidc %s -o - 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=SUMMARY < %t.err
// RUN: rapidc %s -O0 -q | FileCheck %s --check-prefix=O0
// RUN: rapidc %s --no-map -q | FileCheck %s --check-prefix=NOMAP
// RUN: rapidc %s --emit=summary -q | FileCheck %s --check-prefix=JSON
// RUN: rapidc %s -v -q --time-passes -o %t.mlir 2>&1 | FileCheck %s --check-prefix=PHASES

// CHECK-LABEL: func.func @small
// CHECK-NOT: rapid.batchnorm
// CHECK: %[[C:.*]] = rapid.conv2d %{{.*}}, %{{.*}}, %{{.*}} act relu {rapid.mapping = #rapid.mapping<{{.*}}N = {in = 1, out = 2, ij = 9, mb = 1, kij = 1}
// CHECK-NEXT: return %[[C]]
// SUMMARY-NOT: warning
// SUMMARY: rapidc: {{.*}}rapidc.mlir: 1 layer, 18 MACs, 16 bytes of weights; 8 ops -> 6; wrote stdout in {{[0-9.]+}} s
// SUMMARY-NEXT: rapidc: mapped 1 layer kernel on rapid-core: {{[0-9.]+}} ms predicted per inference, {{[0-9.]+}}% utilization, {{[0-9.]+}}x over the homogeneous baseline
// O0: rapid.conv2d {{.*}}rapid.mapping = #rapid.mapping<weight_stationary,
// O0: rapid.batchnorm
// NOMAP: rapid.conv2d %{{.*}}, %{{.*}}, %{{.*}} act relu :
// JSON: "total_macs": 18
// PHASES: rapidc: parsing
// PHASES: rapidc: graph preparation (rapid-graph-prep)
// PHASES: rapidc: mapping (rapid-deep-matrix) on rapid-core
// PHASES: Execution time report
// PHASES: Parse and verify
// PHASES: RapidFoldBatchNorm
// PHASES: Mapping
// PHASES: RapidDeepMatrix
// PHASES: Emit
func.func @small(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = rapid.constant dense<[[[[2.0]]], [[[4.0]]]]> : tensor<2x1x1x1xf32>
  %p = rapid.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %c = rapid.conv2d %x, %w : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %n = rapid.batchnorm %c, %p, %p, %p, %p : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %r = rapid.relu %n : tensor<1x2x3x3xf32>
  return %r : tensor<1x2x3x3xf32>
}
