func.func @f(%x: tensor<2x3xf32>) {
  %y = rapid.relu %x : tensor<2x4xf32>
  return
}
