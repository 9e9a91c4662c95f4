// LSTM forms: the minimal sequence op, reverse direction with states, and the
// unrolled cell without bias.
// RUN: rapid-opt %s | rapid-opt | FileCheck %s
// RUN: rapid-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @lstms
func.func @lstms(%x: tensor<7x3x10xf32>, %w: tensor<1x64x10xf16>, %r: tensor<1x64x16xf16>,
                 %h0: tensor<1x3x16xf32>, %c0: tensor<1x3x16xf32>) {
  // CHECK: rapid.lstm %{{.*}}, %{{.*}}, %{{.*}} hidden_size 16 direction forward : (tensor<7x3x10xf32>, tensor<1x64x10xf16>, tensor<1x64x16xf16>) -> (tensor<7x1x3x16xf32>, tensor<1x3x16xf32>, tensor<1x3x16xf32>)
  // GENERIC: "rapid.lstm"(%{{.*}}, %{{.*}}, %{{.*}}) <{direction = 0 : i32, hidden_size = 16 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}>
  %y, %yh, %yc = rapid.lstm %x, %w, %r hidden_size 16 direction forward
      : (tensor<7x3x10xf32>, tensor<1x64x10xf16>, tensor<1x64x16xf16>)
      -> (tensor<7x1x3x16xf32>, tensor<1x3x16xf32>, tensor<1x3x16xf32>)
  // CHECK: rapid.lstm %{{.*}}, %{{.*}}, %{{.*}} h0 %{{.*}} c0 %{{.*}} hidden_size 16 direction reverse
  // GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 1>
  %y2, %yh2, %yc2 = rapid.lstm %x, %w, %r h0 %h0 c0 %c0 hidden_size 16 direction reverse
      : (tensor<7x3x10xf32>, tensor<1x64x10xf16>, tensor<1x64x16xf16>, tensor<1x3x16xf32>, tensor<1x3x16xf32>)
      -> (tensor<7x1x3x16xf32>, tensor<1x3x16xf32>, tensor<1x3x16xf32>)
  return
}

// CHECK-LABEL: func.func @cell
func.func @cell(%x: tensor<3x10xf32>, %h: tensor<3x16xf32>, %c: tensor<3x16xf32>, %w: tensor<64x10xf32>, %r: tensor<64x16xf32>) {
  // CHECK: rapid.lstm_cell %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<3x10xf32>, tensor<3x16xf32>, tensor<3x16xf32>, tensor<64x10xf32>, tensor<64x16xf32>) -> (tensor<3x16xf32>, tensor<3x16xf32>)
  %h1, %c1 = rapid.lstm_cell %x, %h, %c, %w, %r
      : (tensor<3x10xf32>, tensor<3x16xf32>, tensor<3x16xf32>, tensor<64x10xf32>, tensor<64x16xf32>) -> (tensor<3x16xf32>, tensor<3x16xf32>)
  return
}
