// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @rank(%x: tensor<16xf32>, %h: tensor<1x32xf32>, %c: tensor<1x32xf32>, %w: tensor<128x16xf32>, %r: tensor<128x32xf32>) {
  // expected-error @+1 {{'rapid.lstm_cell' op x and h must be rank 2 (batch x features), got 16 and 1x32}}
  %h1, %c1 = rapid.lstm_cell %x, %h, %c, %w, %r : (tensor<16xf32>, tensor<1x32xf32>, tensor<1x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>) -> (tensor<1x32xf32>, tensor<1x32xf32>)
  return
}

// -----

func.func @h_batch(%x: tensor<2x16xf32>, %h: tensor<1x32xf32>, %c: tensor<2x32xf32>, %w: tensor<128x16xf32>, %r: tensor<128x32xf32>) {
  // expected-error @+1 {{h must have shape 2x32, got 1x32}}
  %h1, %c1 = rapid.lstm_cell %x, %h, %c, %w, %r : (tensor<2x16xf32>, tensor<1x32xf32>, tensor<2x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>) -> (tensor<2x32xf32>, tensor<2x32xf32>)
  return
}

// -----

func.func @c(%x: tensor<1x16xf32>, %h: tensor<1x32xf32>, %c: tensor<1x16xf32>, %w: tensor<128x16xf32>, %r: tensor<128x32xf32>) {
  // expected-error @+1 {{c must have shape 1x32, got 1x16}}
  %h1, %c1 = rapid.lstm_cell %x, %h, %c, %w, %r : (tensor<1x16xf32>, tensor<1x32xf32>, tensor<1x16xf32>, tensor<128x16xf32>, tensor<128x32xf32>) -> (tensor<1x32xf32>, tensor<1x32xf32>)
  return
}

// -----

func.func @w(%x: tensor<1x16xf32>, %h: tensor<1x32xf32>, %c: tensor<1x32xf32>, %w: tensor<64x16xf32>, %r: tensor<128x32xf32>) {
  // expected-error @+1 {{w must have shape 128x16, got 64x16}}
  %h1, %c1 = rapid.lstm_cell %x, %h, %c, %w, %r : (tensor<1x16xf32>, tensor<1x32xf32>, tensor<1x32xf32>, tensor<64x16xf32>, tensor<128x32xf32>) -> (tensor<1x32xf32>, tensor<1x32xf32>)
  return
}

// -----

func.func @r(%x: tensor<1x16xf32>, %h: tensor<1x32xf32>, %c: tensor<1x32xf32>, %w: tensor<128x16xf32>, %r: tensor<32x128xf32>) {
  // expected-error @+1 {{r must have shape 128x32, got 32x128}}
  %h1, %c1 = rapid.lstm_cell %x, %h, %c, %w, %r : (tensor<1x16xf32>, tensor<1x32xf32>, tensor<1x32xf32>, tensor<128x16xf32>, tensor<32x128xf32>) -> (tensor<1x32xf32>, tensor<1x32xf32>)
  return
}

// -----

func.func @bias(%x: tensor<1x16xf32>, %h: tensor<1x32xf32>, %c: tensor<1x32xf32>, %w: tensor<128x16xf32>, %r: tensor<128x32xf32>, %b: tensor<128xf32>) {
  // expected-error @+1 {{bias must have shape 256 (input and recurrence biases), got 128}}
  %h1, %c1 = rapid.lstm_cell %x, %h, %c, %w, %r, %b : (tensor<1x16xf32>, tensor<1x32xf32>, tensor<1x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<128xf32>) -> (tensor<1x32xf32>, tensor<1x32xf32>)
  return
}

// -----

func.func @h_out(%x: tensor<1x16xf32>, %h: tensor<1x32xf32>, %c: tensor<1x32xf32>, %w: tensor<128x16xf32>, %r: tensor<128x32xf32>) {
  // expected-error @+1 {{result h_out must have shape 1x32, got 32}}
  %h1, %c1 = rapid.lstm_cell %x, %h, %c, %w, %r : (tensor<1x16xf32>, tensor<1x32xf32>, tensor<1x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>) -> (tensor<32xf32>, tensor<1x32xf32>)
  return
}

// -----

func.func @c_out(%x: tensor<1x16xf32>, %h: tensor<1x32xf32>, %c: tensor<1x32xf32>, %w: tensor<128x16xf32>, %r: tensor<128x32xf32>) {
  // expected-error @+1 {{result c_out must have shape 1x32, got 1x33}}
  %h1, %c1 = rapid.lstm_cell %x, %h, %c, %w, %r : (tensor<1x16xf32>, tensor<1x32xf32>, tensor<1x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>) -> (tensor<1x32xf32>, tensor<1x33xf32>)
  return
}
