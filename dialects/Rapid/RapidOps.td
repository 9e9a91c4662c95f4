//===- RapidOps.td - Operations of the rapid dialect ---------*- tablegen -*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_OPS_TD
#define RAPID_OPS_TD

include "RapidBase.td"
include "RapidTypes.td"
include "RapidAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

class Rapid_Op<string mnemonic, list<Trait> traits = []>
    : Op<Rapid_Dialect, mnemonic, !listconcat([Pure], traits)>;

// Accessors with the ONNX defaults of the optional window attributes.
defvar WindowAccessors = [{
    ::llvm::SmallVector<int64_t, 2> getStrideValues() {
      return getStrides() ? ::llvm::SmallVector<int64_t, 2>(*getStrides())
                          : ::llvm::SmallVector<int64_t, 2>{1, 1};
    }
    ::llvm::SmallVector<int64_t, 4> getPadValues() {
      return getPads() ? ::llvm::SmallVector<int64_t, 4>(*getPads())
                       : ::llvm::SmallVector<int64_t, 4>{0, 0, 0, 0};
    }
}];
defvar DilationAccessor = [{
    ::llvm::SmallVector<int64_t, 2> getDilationValues() {
      return getDilations() ? ::llvm::SmallVector<int64_t, 2>(*getDilations())
                            : ::llvm::SmallVector<int64_t, 2>{1, 1};
    }
}];

//===----------------------------------------------------------------------===//
// Constants and conversions
//===----------------------------------------------------------------------===//

def Rapid_ConstantOp : Rapid_Op<"constant", [ConstantLike,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>,
    AllTypesMatch<["value", "output"]>]> {
  let summary = "A constant float tensor (weights, biases)";
  let description = [{
    Produces the tensor held in `value`; the result type is the value's type.
    Large weights use `dense_resource` blobs so that they are not copied.
    Quantized constants are `rapid.quant_constant`.

    ```mlir
    %w = rapid.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let builders = [
    OpBuilder<(ins "::mlir::ElementsAttr":$value), [{
      build($_builder, $_state, value.getType(), value);
    }]>
  ];
}

def Rapid_QuantConstantOp : Rapid_Op<"quant_constant",
    [DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>]> {
  let summary = "A constant quantized tensor";
  let description = [{
    Holds the stored integers of a quantized tensor in `value`, whose element
    type is the quantized type's storage type and whose shape is the
    result's. Unlike `rapid.constant` it is not folded into attributes (the
    attribute cannot carry the scale); `rapid-canonicalize` re-lays out
    reshapes and transposes of it at compile time. A `compensated` (FPEC)
    type also needs `directions`: each element's quantization-error
    direction, -1, 0 or 1, as i2 of the same shape.

    ```mlir
    %q = rapid.quant_constant dense<[1, -2]> : tensor<2xi4> -> tensor<2x!rapid.quant<i4, 5.000000e-01>>
    %c = rapid.quant_constant {directions = dense<[1, 0]> : tensor<2xi2>} dense<[3, 3]> : tensor<2xi4> -> tensor<2x!rapid.quant<i4, 1.000000e+00, compensated>>
    ```
  }];
  let arguments = (ins ElementsAttr:$value,
                       OptionalAttr<ElementsAttr>:$directions);
  let results = (outs Rapid_QuantTensor:$output);
  let assemblyFormat = "attr-dict $value `->` type($output)";
  let hasVerifier = 1;
}

def Rapid_CastOp : Rapid_Op<"cast", [SameOperandsAndResultShape]> {
  let summary = "Converts a float tensor to another float precision";
  let description = [{
    Rounds each element to the nearest value of the result element type
    (round to nearest even), saturating at the format's largest finite value
    for the HFP8 formats, as the accelerator's conversion units do.

    ```mlir
    %h = rapid.cast %x : tensor<1x64xf32> to tensor<1x64xf8E4M3B11FNUZ>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasFolder = 1;
}

def Rapid_QuantizeOp : Rapid_Op<"quantize", [SameOperandsAndResultShape]> {
  let summary = "Quantizes a float tensor to a !rapid.quant element type";
  let description = [{
    `stored = clamp(round(x / scale) + zero_point, min, max)` with the
    result type's scale, zero point and storage range.

    ```mlir
    %q = rapid.quantize %x : tensor<8xf32> to tensor<8x!rapid.quant<i4, 0.25>>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input);
  let results = (outs Rapid_QuantTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
}

def Rapid_DequantizeOp : Rapid_Op<"dequantize", [SameOperandsAndResultShape]> {
  let summary = "Turns a quantized tensor back into floats";
  let description = [{
    `x = scale * (stored - zero_point)`.

    ```mlir
    %x = rapid.dequantize %q : tensor<8x!rapid.quant<i4, 0.25>> to tensor<8xf32>
    ```
  }];
  let arguments = (ins Rapid_QuantTensor:$input);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
}

//===----------------------------------------------------------------------===//
// Layers with weights
//===----------------------------------------------------------------------===//

def Rapid_Conv2DOp : Rapid_Op<"conv2d"> {
  let summary = "2-D convolution (NCHW), grouped or depthwise, with fused bias and activation";
  let description = [{
    `output[n, o, y, x] = act(bias[o] + sum_{c, ky, kx} input[n, g*C/G + c,
    y*sh - pt + ky*dh, x*sw - pl + kx*dw] * weight[o, c, ky, kx])` where
    `g = o / (O/G)`. The input is NxCxHxW, the weight OxC/GxKHxKW, the
    optional bias has O elements.

    Attributes (ONNX defaults when absent): `strides` [sh, sw] = [1, 1],
    `pads` [top, left, bottom, right] = [0, 0, 0, 0], `dilations` [dh, dw] =
    [1, 1], `groups` G = 1 (G = C = O is depthwise), and the fused activation
    `act` (see `#rapid.act`).

    Operands may be quantized (`!rapid.quant`); the result is a float tensor.

    ```mlir
    %y = rapid.conv2d %x, %w, %b strides [2, 2] pads [1, 1, 1, 1] act relu
        : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x16x16xf32>
    ```
  }];
  let arguments = (ins Rapid_Tensor:$input, Rapid_Tensor:$weight,
                       Optional<Rapid_FloatTensor>:$bias,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       OptionalAttr<I64Attr>:$groups,
                       OptionalAttr<Rapid_ActivationAttr>:$activation);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`strides` $strides^)? (`pads` $pads^)?
    (`dilations` $dilations^)? (`groups` $groups^)? (`act` custom<Activation>($activation)^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = !strconcat(WindowAccessors, DilationAccessor, [{
    int64_t getGroupCount() { return getGroups() ? *getGroups() : 1; }
  }]);
}

def Rapid_ConvTranspose2DOp : Rapid_Op<"conv_transpose2d"> {
  let summary = "Transposed 2-D convolution (NCHW), the gradient-shaped upsampling conv";
  let description = [{
    Every input pixel scatters its channels through the kernel:
    `output[n, g*O/G + o, y*sh - pt + ky*dh, x*sw - pl + kx*dw] +=
    input[n, g*C/G + c, y, x] * weight[g*C/G + c, o, ky, kx]`, then the
    bias is added and the activation applied. The input is NxCxHxW, the
    weight CxO/GxKHxKW (ONNX ConvTranspose layout), the optional bias has O
    elements; OH = sh*(H-1) + output_padding + dh*(KH-1) + 1 - pt - pb.

    ```mlir
    %y = rapid.conv_transpose2d %x, %w strides [2, 2] pads [1, 1, 1, 1] output_padding [1, 1]
        : (tensor<1x16x8x8xf32>, tensor<16x8x3x3xf32>) -> tensor<1x8x16x16xf32>
    ```
  }];
  let arguments = (ins Rapid_Tensor:$input, Rapid_Tensor:$weight,
                       Optional<Rapid_FloatTensor>:$bias,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       OptionalAttr<DenseI64ArrayAttr>:$output_padding,
                       OptionalAttr<I64Attr>:$groups,
                       OptionalAttr<Rapid_ActivationAttr>:$activation);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`strides` $strides^)? (`pads` $pads^)?
    (`dilations` $dilations^)? (`output_padding` $output_padding^)?
    (`groups` $groups^)? (`act` custom<Activation>($activation)^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = !strconcat(WindowAccessors, DilationAccessor, [{
    int64_t getGroupCount() { return getGroups() ? *getGroups() : 1; }
    ::llvm::SmallVector<int64_t, 2> getOutputPaddingValues() {
      return getOutputPadding()
                 ? ::llvm::SmallVector<int64_t, 2>(*getOutputPadding())
                 : ::llvm::SmallVector<int64_t, 2>{0, 0};
    }
  }]);
}

def Rapid_MatMulOp : Rapid_Op<"matmul"> {
  let summary = "Batched matrix product with numpy broadcasting of batch dimensions";
  let description = [{
    `output[..., m, n] = sum_k lhs[..., m, k] * rhs[..., k, n]`, both operands
    of rank >= 2, leading dimensions broadcast as in numpy (ONNX MatMul; the
    importer reshapes rank-1 operands).

    ```mlir
    %y = rapid.matmul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
    ```
  }];
  let arguments = (ins Rapid_Tensor:$lhs, Rapid_Tensor:$rhs);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Rapid_GemmOp : Rapid_Op<"gemm"> {
  let summary = "General matrix multiply alpha*op(A)*op(B) + beta*C with fused activation";
  let description = [{
    `output = act(alpha * op(a) x op(b) + beta * c)` with `op` an optional
    transpose (`transpose_a`, `transpose_b`); `c` is optional and broadcasts
    to the MxN result (a bias row of N elements is the common case). `alpha`
    and `beta` default to 1.0.

    ```mlir
    %y = rapid.gemm %x, %w, %b transpose_b act relu
        : (tensor<1x256xf32>, tensor<10x256xf32>, tensor<10xf32>) -> tensor<1x10xf32>
    ```
  }];
  let arguments = (ins Rapid_Tensor:$a, Rapid_Tensor:$b,
                       Optional<Rapid_FloatTensor>:$c,
                       UnitAttr:$transpose_a, UnitAttr:$transpose_b,
                       OptionalAttr<F32Attr>:$alpha, OptionalAttr<F32Attr>:$beta,
                       OptionalAttr<Rapid_ActivationAttr>:$activation);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? (`transpose_a` $transpose_a^)? (`transpose_b` $transpose_b^)?
    (`alpha` $alpha^)? (`beta` $beta^)? (`act` custom<Activation>($activation)^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getAlphaValue() {
      return getAlpha() ? getAlpha()->convertToDouble() : 1.0;
    }
    double getBetaValue() {
      return getBeta() ? getBeta()->convertToDouble() : 1.0;
    }
  }];
}

def Rapid_LSTMOp : Rapid_Op<"lstm", [AttrSizedOperandSegments]> {
  let summary = "LSTM layer over a whole sequence (ONNX LSTM, layout 0)";
  let description = [{
    Runs an LSTM with gates in ONNX order (input, output, forget, cell),
    sigmoid gate activations and tanh cell/hidden activations, over a
    sequence. Shapes, with S timesteps, batch B, input size I, hidden size H
    and D directions (2 for `bidirectional`, else 1):
    `x` SxBxI, `w` Dx4HxI, `r` Dx4HxH, optional `bias` Dx8H (input and
    recurrence biases), optional `h0` and `c0` DxBxH. Results: all hidden
    states SxDxBxH, last hidden state DxBxH and last cell state DxBxH.

    ```mlir
    %y, %h, %c = rapid.lstm %x, %w, %r bias %b hidden_size 32 direction forward
        : (tensor<10x1x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>, tensor<1x256xf32>)
        -> (tensor<10x1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32>)
    ```
    `rapid.lstm_cell` is the same computation for one timestep (the unrolled
    form).
  }];
  let arguments = (ins Rapid_FloatTensor:$x, Rapid_Tensor:$w, Rapid_Tensor:$r,
                       Optional<Rapid_FloatTensor>:$bias,
                       Optional<Rapid_FloatTensor>:$h0,
                       Optional<Rapid_FloatTensor>:$c0,
                       I64Attr:$hidden_size,
                       DefaultValuedAttr<Rapid_LSTMDirection,
                                         "::rapid::LSTMDirection::forward">:$direction);
  let results = (outs Rapid_FloatTensor:$y, Rapid_FloatTensor:$y_h,
                      Rapid_FloatTensor:$y_c);
  let assemblyFormat = [{
    $x `,` $w `,` $r (`bias` $bias^)? (`h0` $h0^)? (`c0` $c0^)?
    `hidden_size` $hidden_size `direction` $direction
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getNumDirections() {
      return getDirection() == ::rapid::LSTMDirection::bidirectional ? 2 : 1;
    }
  }];
}

def Rapid_LSTMCellOp : Rapid_Op<"lstm_cell"> {
  let summary = "One LSTM timestep (the unrolled form of rapid.lstm)";
  let description = [{
    Given `x` BxI, the previous hidden and cell states `h` and `c` (BxH), the
    weights `w` 4HxI and `r` 4HxH and optional `bias` 8H (gate order input,
    output, forget, cell), computes
    `g = x w^T + h r^T + bias[:4H] + bias[4H:]`, `i, o, f = sigmoid(...)`,
    `c' = f*c + i*tanh(g_c)`, `h' = o*tanh(c')` and returns `h'`, `c'`.

    ```mlir
    %h1, %c1 = rapid.lstm_cell %x, %h0, %c0, %w, %r, %b
        : (tensor<1x16xf32>, tensor<1x32xf32>, tensor<1x32xf32>, tensor<128x16xf32>,
           tensor<128x32xf32>, tensor<256xf32>) -> (tensor<1x32xf32>, tensor<1x32xf32>)
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$x, Rapid_FloatTensor:$h,
                       Rapid_FloatTensor:$c, Rapid_Tensor:$w, Rapid_Tensor:$r,
                       Optional<Rapid_FloatTensor>:$bias);
  let results = (outs Rapid_FloatTensor:$h_out, Rapid_FloatTensor:$c_out);
  let assemblyFormat = [{
    $x `,` $h `,` $c `,` $w `,` $r (`,` $bias^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise arithmetic with numpy broadcasting
//===----------------------------------------------------------------------===//

class Rapid_BinaryOp<string mnemonic, string expr, list<Trait> traits = []>
    : Rapid_Op<mnemonic, traits> {
  let summary = "Elementwise " # expr # " with numpy broadcasting";
  let description = [{
    `output = }] # expr # [{` elementwise. The operand shapes broadcast as in
    numpy (trailing dimensions aligned, a dimension of 1 stretches); operands
    and result share their element type.

    ```mlir
    %z = rapid.}] # mnemonic # [{ %x, %y : (tensor<1x64x8x8xf32>, tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$lhs, Rapid_FloatTensor:$rhs);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Rapid_AddOp : Rapid_BinaryOp<"add", "lhs + rhs", [Commutative]>;
def Rapid_SubOp : Rapid_BinaryOp<"sub", "lhs - rhs">;
def Rapid_MulOp : Rapid_BinaryOp<"mul", "lhs * rhs", [Commutative]>;
def Rapid_DivOp : Rapid_BinaryOp<"div", "lhs / rhs">;
def Rapid_MaxOp : Rapid_BinaryOp<"max", "max(lhs, rhs)", [Commutative]>;

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

class Rapid_UnaryOp<string mnemonic, list<Trait> traits = []>
    : Rapid_Op<mnemonic, !listconcat([SameOperandsAndResultType], traits)> {
  let arguments = (ins Rapid_FloatTensor:$input);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Rapid_ReluOp : Rapid_UnaryOp<"relu"> {
  let summary = "Rectified linear unit: max(x, 0)";
  let description = [{
    ```mlir
    %y = rapid.relu %x : tensor<1x64xf32>
    ```
  }];
}

def Rapid_SigmoidOp : Rapid_UnaryOp<"sigmoid"> {
  let summary = "Logistic sigmoid: 1 / (1 + exp(-x))";
  let description = [{
    ```mlir
    %y = rapid.sigmoid %x : tensor<1x64xf32>
    ```
  }];
}

def Rapid_TanhOp : Rapid_UnaryOp<"tanh"> {
  let summary = "Hyperbolic tangent";
  let description = [{
    ```mlir
    %y = rapid.tanh %x : tensor<1x64xf32>
    ```
  }];
}

def Rapid_ClipOp : Rapid_UnaryOp<"clip"> {
  let summary = "Clamps to [min, max]: ReLU6, and PACT's learned clip";
  let description = [{
    `output = min(max(x, min), max)` with `min <= max`. ReLU6 is
    `[0.0, 6.0]`. The `pact` flag marks a PACT activation whose upper bound is
    the clip level alpha learned in training (lower bound 0): quantization
    uses [0, alpha] as the activation range instead of calibrating it.

    ```mlir
    %r6 = rapid.clip %x [0.0, 6.0] : tensor<1x32xf32>
    %p = rapid.clip %x [0.0, 2.5] pact : tensor<1x32xf32>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input, F32Attr:$min, F32Attr:$max,
                       UnitAttr:$pact);
  let assemblyFormat = [{
    $input ` ` `[` $min `,` $max `]` (`pact` $pact^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Rapid_LeakyReluOp : Rapid_UnaryOp<"leaky_relu"> {
  let summary = "Leaky ReLU: x >= 0 ? x : alpha * x";
  let description = [{
    ```mlir
    %y = rapid.leaky_relu %x alpha 0.01 : tensor<1x64xf32>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input, F32Attr:$alpha);
  let assemblyFormat = "$input `alpha` $alpha attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Rapid_HardSigmoidOp : Rapid_UnaryOp<"hard_sigmoid"> {
  let summary = "Hard sigmoid: max(0, min(1, alpha * x + beta))";
  let description = [{
    ONNX defaults are alpha = 0.2, beta = 0.5.

    ```mlir
    %y = rapid.hard_sigmoid %x alpha 0.2 beta 0.5 : tensor<1x64xf32>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input, F32Attr:$alpha, F32Attr:$beta);
  let assemblyFormat = "$input `alpha` $alpha `beta` $beta attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Rapid_SoftmaxOp : Rapid_UnaryOp<"softmax"> {
  let summary = "Softmax along one axis";
  let description = [{
    `output = exp(x - max) / sum(exp(x - max))` along `axis` (negative counts
    from the end). ONNX opset < 13 coerces to 2-D first; the importer
    expresses that with reshapes around this op.

    ```mlir
    %p = rapid.softmax %x axis -1 : tensor<1x10xf32>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input, I64Attr:$axis);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Rapid_BatchNormOp : Rapid_Op<"batchnorm"> {
  let summary = "Inference batch normalization over channel dimension 1";
  let description = [{
    `output[n, c, ...] = scale[c] * (x[n, c, ...] - mean[c]) /
    sqrt(variance[c] + epsilon) + bias[c]` for an input of rank >= 2;
    `epsilon` defaults to 1e-5. `rapid-fold-batchnorm` folds it into a
    preceding convolution or gemm with constant weights.

    ```mlir
    %y = rapid.batchnorm %x, %scale, %bias, %mean, %var epsilon 1.0e-03
        : (tensor<1x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
        -> tensor<1x16x8x8xf32>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input, Rapid_FloatTensor:$scale,
                       Rapid_FloatTensor:$bias, Rapid_FloatTensor:$mean,
                       Rapid_FloatTensor:$variance,
                       OptionalAttr<F32Attr>:$epsilon);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance (`epsilon` $epsilon^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getEpsilonValue() {
      return getEpsilon() ? getEpsilon()->convertToDouble() : 1e-5;
    }
  }];
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def Rapid_MaxPoolOp : Rapid_Op<"maxpool"> {
  let summary = "2-D max pooling (NCHW)";
  let description = [{
    Maximum over each window of `kernel` [kh, kw]; `strides`, `pads`
    [top, left, bottom, right] and `dilations` as for `rapid.conv2d` (padding
    never wins the max). With `ceil_mode` a final partial window is kept when
    it starts inside the input or the leading padding.

    ```mlir
    %y = rapid.maxpool %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1]
        : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       UnitAttr:$ceil_mode);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = [{
    $input `kernel` $kernel (`strides` $strides^)? (`pads` $pads^)?
    (`dilations` $dilations^)? (`ceil_mode` $ceil_mode^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = !strconcat(WindowAccessors, DilationAccessor);
}

def Rapid_AvgPoolOp : Rapid_Op<"avgpool"> {
  let summary = "2-D average pooling (NCHW)";
  let description = [{
    Mean over each window of `kernel`. Padded positions count in the divisor
    only with `count_include_pad`; `ceil_mode` as for `rapid.maxpool`.

    ```mlir
    %y = rapid.avgpool %x kernel [2, 2] strides [2, 2] count_include_pad
        : (tensor<1x6x28x28xf32>) -> tensor<1x6x14x14xf32>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       UnitAttr:$ceil_mode, UnitAttr:$count_include_pad);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = [{
    $input `kernel` $kernel (`strides` $strides^)? (`pads` $pads^)?
    (`ceil_mode` $ceil_mode^)? (`count_include_pad` $count_include_pad^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = WindowAccessors;
}

def Rapid_GlobalAvgPoolOp : Rapid_Op<"global_avgpool"> {
  let summary = "Mean over all spatial positions: NxCxHxW -> NxCx1x1";
  let description = [{
    ```mlir
    %y = rapid.global_avgpool %x : (tensor<1x512x7x7xf32>) -> tensor<1x512x1x1xf32>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Rapid_ConcatOp : Rapid_Op<"concat"> {
  let summary = "Concatenates tensors along an axis";
  let description = [{
    All inputs have the same rank and element type and agree in every
    dimension but `axis` (negative counts from the end).

    ```mlir
    %y = rapid.concat %a, %b axis 1
        : (tensor<1x16x8x8xf32>, tensor<1x32x8x8xf32>) -> tensor<1x48x8x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Rapid_FloatTensor>:$inputs, I64Attr:$axis);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = "$inputs `axis` $axis attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Rapid_ReshapeOp : Rapid_Op<"reshape"> {
  let summary = "Reinterprets a tensor with another static shape";
  let description = [{
    Same elements in row-major order, same element type, same element count.

    ```mlir
    %y = rapid.reshape %x : tensor<1x16x4x4xf32> -> tensor<1x256xf32>
    ```
  }];
  let arguments = (ins Rapid_Tensor:$input);
  let results = (outs Rapid_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Rapid_FlattenOp : Rapid_Op<"flatten"> {
  let summary = "Flattens to 2-D around an axis (ONNX Flatten)";
  let description = [{
    The result is [prod(dims before axis), prod(dims from axis)]; `axis`
    lies in [-rank, rank].

    ```mlir
    %y = rapid.flatten %x axis 1 : (tensor<1x16x4x4xf32>) -> tensor<1x256xf32>
    ```
  }];
  let arguments = (ins Rapid_Tensor:$input, I64Attr:$axis);
  let results = (outs Rapid_Tensor:$output);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Rapid_TransposeOp : Rapid_Op<"transpose"> {
  let summary = "Permutes dimensions";
  let description = [{
    `output` dimension i is `input` dimension `perm[i]`.

    ```mlir
    %y = rapid.transpose %x perm [1, 0] : (tensor<4x8xf32>) -> tensor<8x4xf32>
    ```
  }];
  let arguments = (ins Rapid_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Rapid_Tensor:$output);
  let assemblyFormat = "$input `perm` $perm attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Rapid_SliceOp : Rapid_Op<"slice"> {
  let summary = "A strided rectangular window of a tensor";
  let description = [{
    `output[i0, i1, ...] = input[offsets[0] + i0 * strides[0], ...]` with the
    result's shape giving the number of elements taken per dimension; every
    offset is >= 0, every stride >= 1 and the last element taken lies inside
    the input. The importer uses it for ONNX Slice and Gather on runtime
    tensors (e.g. the last LSTM timestep).

    ```mlir
    %last = rapid.slice %y offsets [9, 0, 0] strides [1, 1, 1]
        : (tensor<10x1x32xf32>) -> tensor<1x1x32xf32>
    ```
  }];
  let arguments = (ins Rapid_Tensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$strides);
  let results = (outs Rapid_Tensor:$output);
  let assemblyFormat = [{
    $input `offsets` $offsets `strides` $strides attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Rapid_PadOp : Rapid_Op<"pad"> {
  let summary = "Pads (or, with negative pads, crops) a tensor";
  let description = [{
    `pads` holds the begin pads of every dimension, then the end pads (ONNX
    order). `mode` is `constant` (fill with `value`, default 0.0), `reflect`
    (mirror without repeating the border; pads must be smaller than the
    dimension) or `edge` (repeat the border).

    ```mlir
    %y = rapid.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] mode reflect
        : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
    ```
  }];
  let arguments = (ins Rapid_FloatTensor:$input, DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<Rapid_PadMode, "::rapid::PadMode::constant">:$mode,
                       OptionalAttr<F32Attr>:$value);
  let results = (outs Rapid_FloatTensor:$output);
  let assemblyFormat = [{
    $input `pads` $pads `mode` $mode (`value` $value^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // RAPID_OPS_TD
