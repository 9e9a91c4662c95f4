// RUN: rapid-opt %s -split-input-file -verify-diagnostics

func.func @x_rank(%x: tensor<10x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>) {
  // expected-error @+1 {{'rapid.lstm' op x must be rank 3 (timesteps x batch x input), got 10x16}}
  %y, %h, %c = rapid.lstm %x, %w, %r hidden_size 32 direction forward
      : (tensor<10x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>)
      -> (tensor<10x1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32>)
  return
}

// -----

func.func @hidden(%x: tensor<10x1x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>) {
  // expected-error @+1 {{hidden_size must be in [1, 2^31], got 0}}
  %y, %h, %c = rapid.lstm %x, %w, %r hidden_size 0 direction forward
      : (tensor<10x1x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>)
      -> (tensor<10x1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32>)
  return
}

// -----

func.func @w(%x: tensor<10x1x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>) {
  // expected-error @+1 {{w must have shape 2x128x16, got 1x128x16}}
  %y, %h, %c = rapid.lstm %x, %w, %r hidden_size 32 direction bidirectional
      : (tensor<10x1x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>)
      -> (tensor<10x2x1x32xf32>, tensor<2x1x32xf32>, tensor<2x1x32xf32>)
  return
}

// -----

func.func @r(%x: tensor<10x1x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x16xf32>) {
  // expected-error @+1 {{r must have shape 1x128x32, got 1x128x16}}
  %y, %h, %c = rapid.lstm %x, %w, %r hidden_size 32 direction reverse
      : (tensor<10x1x16xf32>, tensor<1x128x16xf32>, tensor<1x128x16xf32>)
      -> (tensor<10x1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32>)
  return
}

// -----

func.func @bias(%x: tensor<10x1x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>, %b: tensor<1x128xf32>) {
  // expected-error @+1 {{bias must have shape 1x256, got 1x128}}
  %y, %h, %c = rapid.lstm %x, %w, %r bias %b hidden_size 32 direction forward
      : (tensor<10x1x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>, tensor<1x128xf32>)
      -> (tensor<10x1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32>)
  return
}

// -----

func.func @h0(%x: tensor<10x2x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>, %h0: tensor<1x1x32xf32>) {
  // expected-error @+1 {{h0 must have shape 1x2x32, got 1x1x32}}
  %y, %h, %c = rapid.lstm %x, %w, %r h0 %h0 hidden_size 32 direction forward
      : (tensor<10x2x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>, tensor<1x1x32xf32>)
      -> (tensor<10x1x2x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

func.func @c0(%x: tensor<10x2x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>, %c0: tensor<2x32xf32>) {
  // expected-error @+1 {{c0 must have shape 1x2x32, got 2x32}}
  %y, %h, %c = rapid.lstm %x, %w, %r c0 %c0 hidden_size 32 direction forward
      : (tensor<10x2x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>, tensor<2x32xf32>)
      -> (tensor<10x1x2x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
  return
}

// -----

func.func @y(%x: tensor<10x1x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>) {
  // expected-error @+1 {{result y must have shape 10x1x1x32, got 10x1x32}}
  %y, %h, %c = rapid.lstm %x, %w, %r hidden_size 32 direction forward
      : (tensor<10x1x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>)
      -> (tensor<10x1x32xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32>)
  return
}

// -----

func.func @y_h(%x: tensor<10x1x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>) {
  // expected-error @+1 {{result y_h must have shape 1x1x32, got 1x32}}
  %y, %h, %c = rapid.lstm %x, %w, %r hidden_size 32 direction forward
      : (tensor<10x1x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>)
      -> (tensor<10x1x1x32xf32>, tensor<1x32xf32>, tensor<1x1x32xf32>)
  return
}

// -----

func.func @y_c(%x: tensor<10x1x16xf32>, %w: tensor<1x128x16xf32>, %r: tensor<1x128x32xf32>) {
  // expected-error @+1 {{result y_c must have shape 1x1x32, got 1x1x16}}
  %y, %h, %c = rapid.lstm %x, %w, %r hidden_size 32 direction forward
      : (tensor<10x1x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>)
      -> (tensor<10x1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x1x16xf32>)
  return
}
