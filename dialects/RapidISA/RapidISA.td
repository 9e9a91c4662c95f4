//===- RapidISA.td - The rapid_isa dialect: a core's program -*- tablegen -*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// One op per instruction of the RaPiD ISA (include/rapid/ISA/Instructions.def
// is the only list of their fields; these ops carry the field values in
// table order and print them as the assembler does), plus the structure of
// a model.bin: the program, its memory regions, constants and tensors, and
// each core's code with its descriptor tables.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_ISA_TD
#define RAPID_ISA_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"

def RapidISA_Dialect : Dialect {
  let name = "rapid_isa";
  let cppNamespace = "::rapid::isa";
  let summary = "The RaPiD ISA: a readable form of a compiled model.bin";
  let description = [{
    The `rapid_isa` dialect holds a compiled program instruction by
    instruction, over explicit memory regions, so that lowered programs can
    be read and checked with FileCheck. It is exactly as expressive as
    model.bin (docs/model-bin.md): `rapid-translate --rapid-isa-to-bin`
    encodes it and `--bin-to-rapid-isa` reads a model.bin back into it.

    A `rapid_isa.program` holds the memory map (`rapid_isa.region`, symbols
    naming byte ranges of external memory, the Lx scratchpad or L0, with the
    span of program steps during which each is live), the initial contents
    of external memory (`rapid_isa.constants`), the model's input and output
    tensors (`rapid_isa.tensor`) and one `rapid_isa.core` per programmed core.
    A core's body is its instruction stream; hardware loops are
    `rapid_isa.loop` regions, and the DMA and tile descriptors that `dma` and
    `mac` instructions index are `rapid_isa.dma_desc` and
    `rapid_isa.tile_desc` ops at the top of the core.

    Instruction ops print their fields as the assembler reads them
    (`field=value, ...` in table order, docs/isa.md), and their verifiers
    range-check every field with the ISA table. `seti` may name a region
    instead of an absolute address (`imm=@x[64]`: 64 bytes into region
    `@x`), which the encoder resolves.
  }];
}

class RapidISA_Op<string mnemonic, list<Trait> traits = []>
    : Op<RapidISA_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

def RapidISA_ProgramOp : RapidISA_Op<"program",
    [SymbolTable, NoTerminator, SingleBlock, IsolatedFromAbove]> {
  let summary = "A compiled model: memory map, constants, tensors and cores";
  let description = [{
    The contents of one model.bin. `arch` names the architecture and
    `fingerprint` is its hash (rapid::ArchSpec::fingerprint); `chips` is the
    torus size and `cores` the cores per chip. `capacity` gives the bytes of
    external memory, Lx and L0 of one core, against which the verifier
    checks the regions: each lies within its memory, and two regions of the
    same memory whose live spans intersect do not overlap.

    ```mlir
    rapid_isa.program arch = "rapid-core" fingerprint = 0xdeadbeef
        chips = [1, 1] cores = 1 capacity = [1073741824, 2097152, 16384] {
      rapid_isa.region @x : ext [4096, 512] live [0, 1]
      ...
    }
    ```
  }];
  let arguments = (ins StrAttr:$arch, I64Attr:$fingerprint,
                       DenseI64ArrayAttr:$chips, I64Attr:$cores,
                       DenseI64ArrayAttr:$capacity);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasRegionVerifier = 1;
}

def RapidISA_RegionOp : RapidISA_Op<"region", [Symbol,
    HasParent<"::rapid::isa::ProgramOp">]> {
  let summary = "A named byte range of external memory, Lx or L0";
  let description = [{
    `rapid_isa.region @name : space [offset, size] live [first, last]`:
    `space` is `ext`, `lx` or `l0`; `live` is the span of program steps
    (layers, in program order) during which the region holds data, both
    ends included. Regions of one space with intersecting spans must not
    overlap; regions in Lx and L0 exist in every core.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, I64Attr:$space,
                       I64Attr:$offset, I64Attr:$size,
                       DenseI64ArrayAttr:$live);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
}

def RapidISA_ConstantsOp : RapidISA_Op<"constants", [
    HasParent<"::rapid::isa::ProgramOp">]> {
  let summary = "The initial contents of external memory from an address on";
  let description = [{
    Weights and other constants, already converted to the precisions and
    layouts the program reads them in, as bytes (`tensor<Nxi8>`).
  }];
  let arguments = (ins I64Attr:$address, ElementsAttr:$data);
  let assemblyFormat = "`address` `=` $address `data` `=` $data attr-dict";
  let hasVerifier = 1;
}

def RapidISA_TensorOp : RapidISA_Op<"tensor", [
    HasParent<"::rapid::isa::ProgramOp">]> {
  let summary = "A model input or output in external memory";
  let description = [{
    `rapid_isa.tensor input "x" : fp16 [1, 3, 32, 32] at 4096
    scale 1.0 zero_point 0`: the name the user passes data by, its element
    precision, shape, address, and the quantization of integer tensors.
  }];
  let arguments = (ins UnitAttr:$output, StrAttr:$tensor_name, I64Attr:$dtype,
                       DenseI64ArrayAttr:$shape, I64Attr:$address,
                       F32Attr:$scale, I64Attr:$zero_point);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
}

def RapidISA_LayerOp : RapidISA_Op<"layer", [
    HasParent<"::rapid::isa::ProgramOp">]> {
  let summary = "A layer of the compiled network and its predicted cycles";
  let description = [{
    `rapid_isa.layer "conv1" macs = 118013952 cycles = [...]`: the layers
    that the cores' `rapid_isa.mark`s name by index (in the order of these
    ops), with their MAC count and the six terms of the cost model's
    prediction (mac, PE under-use, pipeline bubble, visible overlapped
    transfer, non-overlapped transfer, auxiliary; all 0 for a layer it does
    not price). `rapid-sim --stats` sets the simulated cycles beside them.
  }];
  let arguments = (ins StrAttr:$layer_name, I64Attr:$macs,
                       DenseF64ArrayAttr:$cycles);
  let assemblyFormat = [{
    $layer_name `macs` `=` $macs `cycles` `=` $cycles attr-dict
  }];
  let hasVerifier = 1;
}

def RapidISA_MarkOp : RapidISA_Op<"mark", [
    HasParent<"::rapid::isa::CoreOp">]> {
  let summary = "From here on the core runs the given layer";
  let description = [{
    `rapid_isa.mark 3`: the instructions that follow (up to the next mark)
    belong to layer 3, the fourth `rapid_isa.layer` of the program. Marks
    only attribute cycles; they encode to no instruction.
  }];
  let arguments = (ins I64Attr:$layer);
  let assemblyFormat = "$layer attr-dict";
  let hasVerifier = 1;
}

def RapidISA_CoreOp : RapidISA_Op<"core", [NoTerminator, SingleBlock,
    HasParent<"::rapid::isa::ProgramOp">]> {
  let summary = "One core's program: descriptor tables, then instructions";
  let description = [{
    `rapid_isa.core 3 { ... }`: the program of core 3 (chip-major: core
    `chip * cores + c`). Its body starts with the `rapid_isa.dma_desc` and
    `rapid_isa.tile_desc` tables (indices 0, 1, ... in order) followed by the
    instruction stream, which ends with `rapid_isa.halt`.
  }];
  let arguments = (ins I64Attr:$core);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$core attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
}

def RapidISA_DmaDescOp : RapidISA_Op<"dma_desc", [
    HasParent<"::rapid::isa::CoreOp">]> {
  let summary = "A strided block that `dma` instructions move";
  let description = [{
    `rapid_isa.dma_desc 0 bits = 16 dims = [[64, 2, 2], [4, 128, 128]]`:
    descriptor 0 moves 16-bit elements over up to 4 dimensions, innermost
    first, each `[count, source byte stride, destination byte stride]`
    (held flattened in `dims`).
  }];
  let arguments = (ins I64Attr:$index, I64Attr:$bits, DenseI64ArrayAttr:$dims);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
}

def RapidISA_TileDescOp : RapidISA_Op<"tile_desc", [
    HasParent<"::rapid::isa::CoreOp">]> {
  let summary = "A tile that `mac` instructions compute";
  let description = [{
    `rapid_isa.tile_desc 0 p = [64, 64, 1, 1, 4, 1, 1] inp = [...]
    ker = [...] out = [...]`: the extent of the tile per dimension {in, out,
    oy, ox, mb, ky, kx} (rapid's ij split into output rows and columns, kij
    into kernel rows and columns) and the element strides of each operand
    along each dimension.
  }];
  let arguments = (ins I64Attr:$index, DenseI64ArrayAttr:$p,
                       DenseI64ArrayAttr:$inp, DenseI64ArrayAttr:$ker,
                       DenseI64ArrayAttr:$out);
  let assemblyFormat = [{
    $index `p` `=` $p `inp` `=` $inp `ker` `=` $ker `out` `=` $out attr-dict
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Instructions: one op per row of Instructions.def
//===----------------------------------------------------------------------===//

class RapidISA_InstrOp<string mnemonic, string opcode, string what,
                       list<Trait> traits = []>
    : RapidISA_Op<mnemonic, traits> {
  let summary = "The `" # mnemonic # "` instruction: " # what;
  let description = [{
    Fields, their kinds, widths and encodings are those of the ISA table
    (docs/isa.md); the op prints and parses them as `field=value` in table
    order, exactly as the assembler.
  }];
  let arguments = (ins DenseI64ArrayAttr:$fields);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    static constexpr ::rapid::isa::Opcode kOpcode =
        ::rapid::isa::Opcode::}] # opcode # [{;
    /// The value of field `name` of the ISA table.
    int64_t getField(::llvm::StringRef name);
  }];
  let extraClassDefinition = [{
    ::mlir::ParseResult $cppClass::parse(::mlir::OpAsmParser &parser,
                                         ::mlir::OperationState &result) {
      return ::rapid::isa::parseInstructionOp(parser, result, kOpcode);
    }
    void $cppClass::print(::mlir::OpAsmPrinter &p) {
      ::rapid::isa::printInstructionOp(p, *this, kOpcode);
    }
    ::mlir::LogicalResult $cppClass::verify() {
      return ::rapid::isa::verifyInstructionOp(*this, kOpcode);
    }
    int64_t $cppClass::getField(::llvm::StringRef name) {
      return ::rapid::isa::instructionField(*this, kOpcode, name);
    }
  }];
}

def RapidISA_NopOp : RapidISA_InstrOp<"nop", "Nop", "does nothing for a cycle">;
def RapidISA_HaltOp : RapidISA_InstrOp<"halt", "Halt", "ends the core's program">;
def RapidISA_SemSignalOp : RapidISA_InstrOp<"sem.signal", "SemSignal",
    "adds to a semaphore">;
def RapidISA_SemWaitOp : RapidISA_InstrOp<"sem.wait", "SemWait",
    "waits on a semaphore and takes it">;
def RapidISA_BarrierOp : RapidISA_InstrOp<"barrier", "Barrier",
    "synchronizes the cores of a chip or the system">;
def RapidISA_AddIOp : RapidISA_InstrOp<"addi", "AddI",
    "adds an immediate to an address register">;
def RapidISA_SetFOp : RapidISA_InstrOp<"setf", "SetF",
    "sets an FP32 scalar register">;
def RapidISA_DmaOp : RapidISA_InstrOp<"dma", "Dma",
    "a strided transfer along a DMA path">;
def RapidISA_MacOp : RapidISA_InstrOp<"mac", "Mac",
    "a tile multiply-accumulate on the PE array">;
def RapidISA_SfuOp : RapidISA_InstrOp<"sfu", "Sfu",
    "an FP32 vector operation on the SFUs">;

def RapidISA_SetIOp : RapidISA_InstrOp<"seti", "SetI",
    "sets an address register"> {
  let description = [{
    `seti a=a1, imm=4096` sets the register to an absolute address;
    `seti a=a1, imm=@x[64]` to 64 bytes into region `@x`, resolved when the
    program is encoded (the `imm` field then holds the offset into the
    region).
  }];
  let arguments = (ins DenseI64ArrayAttr:$fields,
                       OptionalAttr<FlatSymbolRefAttr>:$region);
}

def RapidISA_LoopOp : RapidISA_Op<"loop", [NoTerminator, SingleBlock]> {
  let summary = "A hardware loop: its body repeated `count` times";
  let description = [{
    `rapid_isa.loop count=4 { ... }` encodes as `loop count=4, body=N`
    followed by the N instructions of its body (nested loops included).
    Loops nest up to 8 deep; a body holds at least one instruction and at
    most 65535.
  }];
  let arguments = (ins I64Attr:$count);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "`count` `=` $count attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
}

#endif // RAPID_ISA_TD
