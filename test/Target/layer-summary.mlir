// RUN: rapid-translate --rapid-layer-summary %s | FileCheck %s

// conv2d: in = C/groups = 8, out = 16, ij = 8*8, mb = 2, kij = 3*3;
// MACs = 8*16*64*2*9 = 147456; weights 16*8*3*3 f16 = 2304 bytes, bias 32.
// CHECK:      "layers": [
// CHECK:          "macs": 147456,
// CHECK:          "op": "rapid.conv2d",
// CHECK:          "parameters": 1168,
// CHECK:          "weight_bytes": 2336,
// CHECK-NEXT:     "workload": {
// CHECK-NEXT:       "ij": 64,
// CHECK-NEXT:       "in": 8,
// CHECK-NEXT:       "kij": 9,
// CHECK-NEXT:       "mb": 2,
// CHECK-NEXT:       "out": 16
// gemm with i4 weights: in = 1024, out = 10, mb = 2; 10*1024*4 bits = 5120 bytes.
// CHECK:          "macs": 20480,
// CHECK:          "op": "rapid.gemm",
// CHECK:          "weight_bytes": 5120,
// lstm: in = I + H = 48, out = 4H = 128, ij = 5 timesteps, mb = 2.
// CHECK:          "macs": 61440,
// CHECK:          "op": "rapid.lstm",
// CHECK:      "op_counts": {
// CHECK-NEXT:   "rapid.constant": 2,
// CHECK-NEXT:   "rapid.conv2d": 1,
// CHECK-NEXT:   "rapid.gemm": 1,
// CHECK-NEXT:   "rapid.lstm": 1,
// CHECK-NEXT:   "rapid.quant_constant": 1,
// CHECK-NEXT:   "rapid.reshape": 1
// CHECK-NEXT: },
// CHECK-NEXT: "total_macs": 229376,
// CHECK-NEXT: "total_parameters": 11408,
// CHECK-NEXT: "total_weight_bytes": 7456
func.func @model(%x: tensor<2x8x8x8xf16>, %seq: tensor<5x2x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>)
    -> (tensor<2x10xf16>, tensor<5x1x2x32xf32>) {
  %cw = rapid.constant dense<0.5> : tensor<16x8x3x3xf16>
  %cb = rapid.constant dense<0.0> : tensor<16xf16>
  %c = rapid.conv2d %x, %cw, %cb pads [1, 1, 1, 1] : (tensor<2x8x8x8xf16>, tensor<16x8x3x3xf16>, tensor<16xf16>) -> tensor<2x16x8x8xf16>
  %f = rapid.reshape %c : tensor<2x16x8x8xf16> -> tensor<2x1024xf16>
  %gw = rapid.quant_constant dense<1> : tensor<10x1024xi4> -> tensor<10x1024x!rapid.quant<i4, 0.125>>
  %g = rapid.gemm %f, %gw transpose_b : (tensor<2x1024xf16>, tensor<10x1024x!rapid.quant<i4, 0.125>>) -> tensor<2x10xf16>
  %y, %h, %cc = rapid.lstm %seq, %w, %r hidden_size 32 direction forward
      : (tensor<5x2x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>)
      -> (tensor<5x1x2x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return %g, %y : tensor<2x10xf16>, tensor<5x1x2x32xf32>
}
