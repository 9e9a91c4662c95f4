// A pipeline cut short by max-iterations warns on the op it ran on and
// leaves valid IR.
// RUN: rapid-opt %s --rapid-canonicalize=max-iterations=1 -verify-diagnostics | FileCheck %s

// CHECK: rapid.reshape
// expected-warning @+1 {{rapid-canonicalize did not converge in 1 iterations}}
module {
  func.func @f(%x: tensor<1x16x4x4xf32>) -> tensor<1x256xf32> {
    %f = rapid.flatten %x axis 1 : (tensor<1x16x4x4xf32>) -> tensor<1x256xf32>
    return %f : tensor<1x256xf32>
  }
}
