func.func @f(%x: tensor<2x3xf32>) {
  %y = rapid.softmax %x axis 5 : tensor<2x3xf32>
  return
}
