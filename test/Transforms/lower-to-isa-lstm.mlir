// A bidirectional LSTM (3 steps, batch 2, 3 inputs, 2 units, given h0/c0):
// per direction one input projection over all steps (both biases added),
// then per step the recurrent product and the cell on the SFUs (sigmoid as
// 1 / (1 + exp(-x)), tanh as 2 sigmoid(2x) - 1), the reverse direction
// walking the steps backwards. rapid-sim gives NumPy's ONNX LSTM.
// RUN: rapid-opt %s --rapid-deep-matrix --rapid-lower-to-isa | FileCheck %s
// RUN: rapid-opt %s --rapid-deep-matrix --rapid-lower-to-isa | rapid-translate --rapid-isa-to-bin -o %t.bin
// RUN: rm -rf %t.ref %t.out && mkdir -p %t.ref
// RUN: %python %S/Inputs/lstm_reference.py %t.ref
// RUN: rapid-sim %t.bin --input x=%t.ref/x.npy --output-dir %t.out -q
// RUN: %python %S/../tools/Inputs/compare_npy.py %t.ref/y.npy %t.out/y.npy --rtol 5e-3
// RUN: %python %S/../tools/Inputs/compare_npy.py %t.ref/y_h.npy %t.out/y_h.npy --rtol 5e-3
// RUN: %python %S/../tools/Inputs/compare_npy.py %t.ref/y_c.npy %t.out/y_c.npy --rtol 5e-3

// CHECK-LABEL: rapid_isa.program
// CHECK: rapid_isa.region @lstm_0.xproj0 : ext [{{[0-9]+}}, 192] live [0, 0]
// CHECK: rapid_isa.region @lstm_0.xproj1 : ext [{{[0-9]+}}, 192] live [0, 0]
// CHECK: rapid_isa.tensor output "y" : fp16 [3, 2, 2, 2]
// One cell: the gates summed, sigmoid of i, o, f (6 elements per row) ...
// CHECK: rapid_isa.sfu op=add, in_prec=fp32, out_prec=fp32, b_mode=vector, count=16
// CHECK: rapid_isa.loop count = 2 {
// (SFU operations in a row run in issue order: the instruction unit issues
// them back to back and waits for them together.)
// CHECK-NEXT: rapid_isa.sfu op=neg, in_prec=fp32, out_prec=fp32, b_mode=vector, count=6
// CHECK-NEXT: rapid_isa.sfu op=exp, in_prec=fp32, out_prec=fp32, b_mode=vector, count=6
// CHECK-NEXT: rapid_isa.sfu op=add, in_prec=fp32, out_prec=fp32, b_mode=scalar, count=6
// CHECK-NEXT: rapid_isa.sfu op=recip, in_prec=fp32, out_prec=fp32, b_mode=vector, count=6
// CHECK: rapid_isa.sem.wait sem=s0, count={{[0-9]+}}
// ... and the hidden state o * tanh(cell), written in fp16.
// CHECK: rapid_isa.sfu op=mul, in_prec=fp32, out_prec=fp16, b_mode=vector, count=2
// CHECK: rapid_isa.halt

func.func @lstm(%x: tensor<3x2x3xf32> {rapid.name = "x"}) -> (tensor<3x2x2x2xf32> {rapid.name = "y"}, tensor<2x2x2xf32> {rapid.name = "y_h"}, tensor<2x2x2xf32> {rapid.name = "y_c"}) {
  %w = rapid.constant dense<"0x0000000073EBA43E6F46FC3E4AFBDC3E91832B3EDC9933BE971FDFBE0482FBBEB19AA1BE4EBD093C4630A83E98F8FC3EFEC6DA3EDC60233E27A33BBEBE33E1BE64ABFABE3C3E9EBE52B8893CED68AB3E7298FD3EDD82D83E54321B3EDD9E43BE9837E3BEA0C2F9BE53D69ABE0588CE3C2B95AE3EF025FE3E102FD63E91F8123E6B8C4BBE002BE5BEC8C7F8BE356397BE63A4093DC7B4B13E0AA1FE3EC3CBD33E2AB40A3E3D6B53BED20DE7BEEFBAF7BE22E593BECDFA2B3D86C7B43EB609FF3E"> : tensor<2x8x3xf32>
  %r = rapid.constant dense<"0xA46AD73EBFDDFD3E28EBAC3E7C50AA3CB8A29CBE6A3FFABE162AE2BEC36C3FBE59821F3E37B6D93E9546FD3E5AB8A93ED5F54A3CA104A0BEA31EFBBEA21DE0BED46937BEBBAA273E07F2DB3E169DFC3E4479A63E0378823BF65AA3BEAFEBFBBEF600DEBE9F592FBEF9C62F3EEC1DDE3E4FE1FB3E212EA33E150591BB77A5A6BE"> : tensor<2x8x2xf32>
  %b = rapid.constant dense<"0xB7C7E83E89D15A3E49D602BE9C7AD1BEA504FFBE4A9EB4BEC72A2ABDA114943E95C9F73EBCF4E63E3201533E35240BBE6FECD3BE009BFEBEDC8AB1BEC6D307BD2192973E7CD5F83E0911E53E95214B3E106813BEEC4ED6BEED1EFEBE946AAEBEE2E5CABCA9049B3E60CFF93EC11CE33E4433433E40A11BBEE7A1D8BE7690FDBE"> : tensor<2x16xf32>
  %h0 = rapid.constant dense<"0xC381903D57A387BE329CF3BE3102EDBE56E06DBE6A48DC3DD12DCB3E9FBAFF3E"> : tensor<2x2x2xf32>
  %c0 = rapid.constant dense<"0xCFBDC1BEF8FAFFBEE5D3C5BECF88BABD6DFC7C3EC420F03EB8D3F03EE742803E"> : tensor<2x2x2xf32>
  %y, %yh, %yc = rapid.lstm %x, %w, %r bias %b h0 %h0 c0 %c0 hidden_size 2 direction bidirectional : (tensor<3x2x3xf32>, tensor<2x8x3xf32>, tensor<2x8x2xf32>, tensor<2x16xf32>, tensor<2x2x2xf32>, tensor<2x2x2xf32>) -> (tensor<3x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2xf32>)
  return %y, %yh, %yc : tensor<3x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2xf32>
}
