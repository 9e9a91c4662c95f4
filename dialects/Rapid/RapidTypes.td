//===- RapidTypes.td - Types of the rapid dialect ------------*- tablegen -*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_TYPES_TD
#define RAPID_TYPES_TD

include "RapidBase.td"

def Rapid_QuantType : TypeDef<Rapid_Dialect, "Quant"> {
  let mnemonic = "quant";
  let summary = "Uniformly quantized integer element with a scale";
  let description = [{
    An integer element of 8, 4 or 2 bits standing for the real value
    `scale * (stored - zero_point)`. Symmetric quantization (SAWB, PACT with
    a zero lower clip) has `zero_point` 0, the default; it is printed only when
    non-zero. Ternary weights are `i2` with stored values in {-1, 0, 1}.

    `compensated` (i4 only) is the seed's fixed point with error compensation
    (FPEC): each element also carries the direction of its quantization
    error (-1, 0 within a quarter step, +1), which the PE array's compensated
    MAC uses (the `fpec4` precision, docs/precision.md); the value is still
    `scale * (stored - zero_point)`.

    ```mlir
    tensor<64x3x3x3x!rapid.quant<i4, 0.0625>>
    tensor<1x64x56x56x!rapid.quant<i8, 0.02, zero_point = -3>>
    tensor<1x64x56x56x!rapid.quant<i4, 0.25, zero_point = -8, compensated>>
    ```
  }];
  let parameters = (ins "::mlir::IntegerType":$storage,
                        APFloatParameter<"scale (real value of one step)">:$scale,
                        DefaultValuedParameter<"int64_t", "0">:$zeroPoint,
                        DefaultValuedParameter<"bool", "false">:$compensated);
  let builders = [
    TypeBuilderWithInferredContext<(ins "::mlir::IntegerType":$storage,
                                        "double":$scale,
                                        CArg<"int64_t", "0">:$zeroPoint,
                                        CArg<"bool", "false">:$compensated), [{
      return $_get(storage.getContext(), storage, ::llvm::APFloat(scale),
                   zeroPoint, compensated);
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Smallest and largest stored value.
    int64_t getStorageMin() const;
    int64_t getStorageMax() const;
    double getScaleValue() const { return getScale().convertToDouble(); }
  }];
}

def Rapid_QuantElement : Type<CPred<"::llvm::isa<::rapid::QuantType>($_self)">,
                              "quantized integer element">;

def Rapid_Element : AnyTypeOf<[Rapid_FloatElement, Rapid_QuantElement],
    "rapid element (f32, f16, f8E4M3B11FNUZ, f8E5M2 or !rapid.quant)">;

def Rapid_FloatTensor : StaticShapeTensorOf<[Rapid_FloatElement]>;
def Rapid_QuantTensor : StaticShapeTensorOf<[Rapid_QuantElement]>;
def Rapid_Tensor : StaticShapeTensorOf<[Rapid_Element]>;

#endif // RAPID_TYPES_TD
