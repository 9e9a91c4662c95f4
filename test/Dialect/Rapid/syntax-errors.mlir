// Parse errors in the custom assembly name the offending token.
// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @pad_mode(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'mode' [constant, reflect, edge]}}
  %y = rapid.pad %x pads [1, 1] mode wrap : (tensor<4xf32>) -> tensor<6xf32>
  return
}

// -----

func.func @direction(%x: tensor<10x1x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'direction' [forward, reverse, bidirectional]}}
  %y, %h, %c = rapid.lstm %x, %w, %r hidden_size 32 direction sideways
      : (tensor<10x1x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>)
      -> (tensor<10x1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32>)
  return
}

// -----

func.func @quant_storage(%x: tensor<4x!rapid.quant<f16, 0.5>>) {
  // expected-error @-1 {{invalid kind of type specified}}
  return
}
