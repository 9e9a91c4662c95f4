//===- ModelBinary.h - model.bin: the compiled program's container -*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// model.bin (docs/model-bin.md): a header with magic, format and ISA
// versions and the architecture's fingerprint, then checksummed sections:
// per-core code and descriptor tables, the external-memory constants
// image, the memory map, the input/output tensor descriptors. Read (every
// byte validated, errors naming the file, the section and the reason),
// written, and converted to and from a complete text form (the .asm that
// `rapid-translate --bin-to-asm` prints and `--asm-to-bin` reads).
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_ISA_MODELBINARY_H
#define RAPID_ISA_MODELBINARY_H

#include "rapid/ISA/ISA.h"
#include "rapid/Support/Vocabulary.h"

#include <array>
#include <string>
#include <vector>

namespace rapid::isa {

constexpr char kModelMagic[8] = {'R', 'A', 'P', 'I', 'D', 'B', 'I', 'N'};
constexpr unsigned kModelFormatVersion = 1;
constexpr unsigned kMaxDmaRank = 4;
constexpr unsigned kMaxTensorRank = 8;
/// Addresses are 48-bit (the address registers'): every region, tensor and
/// the constants lie below this, and so does every DMA's strided span.
constexpr uint64_t kAddressLimit = uint64_t(1) << 48;

/// A strided block a `dma` moves: element width and up to 4 dimensions,
/// innermost first, each with a count and byte strides on both sides.
struct DmaDescriptor {
  unsigned elementBits = 16;
  struct Dim {
    uint32_t count = 1;
    int64_t srcStride = 0, dstStride = 0;
    bool operator==(const Dim &o) const {
      return count == o.count && srcStride == o.srcStride &&
             dstStride == o.dstStride;
    }
  };
  std::vector<Dim> dims;
  bool operator==(const DmaDescriptor &o) const {
    return elementBits == o.elementBits && dims == o.dims;
  }
};

/// The dimensions of a `mac` tile: rapid's {in, out, ij, mb, kij} with the
/// output pixels ij split into rows and columns (oy, ox) and the kernel
/// taps kij into kernel rows and columns (ky, kx), so that a convolution's
/// window over an input patch is a strided access (docs/isa.md).
enum class TileDim : uint8_t { In, Out, Oy, Ox, Mb, Ky, Kx };
constexpr unsigned kTileDims = 7;

/// The tile a `mac` computes: its extent per TileDim and each operand's
/// (inp, ker, out) element strides per TileDim in L0.
struct TileDescriptor {
  std::array<uint32_t, kTileDims> p{1, 1, 1, 1, 1, 1, 1};
  std::array<std::array<int32_t, kTileDims>, 3> strides{};
  bool operator==(const TileDescriptor &o) const {
    return p == o.p && strides == o.strides;
  }
};

/// From instruction `pc` on (until the next mark) a core runs layer `layer`
/// (an index into ModelBinary::layers): how rapid-sim attributes cycles.
struct LayerMark {
  uint32_t pc = 0, layer = 0;
  bool operator==(const LayerMark &o) const {
    return pc == o.pc && layer == o.layer;
  }
};

struct CoreProgram {
  uint32_t core = 0;
  std::vector<Instruction> code;
  std::vector<DmaDescriptor> dma;
  std::vector<TileDescriptor> tiles;
  /// Strictly increasing pcs, each below the code's size.
  std::vector<LayerMark> marks;
  bool operator==(const CoreProgram &o) const {
    return core == o.core && code == o.code && dma == o.dma &&
           tiles == o.tiles && marks == o.marks;
  }
};

/// The breakdown of a layer's predicted cycles, in the order of the mapping
/// report's columns (docs/cost-model.md).
enum class CycleTerm : unsigned {
  Mac,
  UnderUse,
  Bubble,
  Visible,
  NonOverlapped,
  Aux
};
constexpr unsigned kCycleTerms = 6;

/// A layer of the compiled network: its name, MACs and the cycles the cost
/// model predicted for it (all zero when it was not priced, e.g. pooling).
struct LayerInfo {
  std::string name;
  uint64_t macs = 0;
  std::array<double, kCycleTerms> predicted{};
  double predictedTotal() const {
    double t = 0;
    for (double c : predicted)
      t += c;
    return t;
  }
  bool operator==(const LayerInfo &o) const {
    return name == o.name && macs == o.macs && predicted == o.predicted;
  }
};

/// Whether `level` is a memory a region can lie in (not the PE registers).
/// (MemLevel lists Ext, Lx, L0, then Reg.)
inline bool isMemorySpace(MemLevel level) {
  return unsigned(level) <= unsigned(MemLevel::L0);
}

struct MemoryRegion {
  std::string name;
  /// Ext, Lx or L0 (encoded as MemLevel's value).
  MemLevel space = MemLevel::Ext;
  uint64_t offset = 0, size = 0;
  /// The program steps (layers, in order) during which the region holds
  /// data, both included; regions of one memory may share bytes only when
  /// these spans are disjoint.
  uint32_t firstStep = 0, lastStep = 0;
  bool operator==(const MemoryRegion &o) const {
    return name == o.name && space == o.space && offset == o.offset &&
           size == o.size && firstStep == o.firstStep && lastStep == o.lastStep;
  }
};

/// A model input or output in external memory.
struct TensorDescriptor {
  std::string name;
  bool output = false;
  /// A precision (rapid::Precision's value).
  uint8_t dtype = 1;
  std::vector<uint64_t> shape;
  uint64_t address = 0;
  float scale = 1.0f;
  int32_t zeroPoint = 0;
  bool operator==(const TensorDescriptor &o) const {
    return name == o.name && output == o.output && dtype == o.dtype &&
           shape == o.shape && address == o.address && scale == o.scale &&
           zeroPoint == o.zeroPoint;
  }
};

struct ModelBinary {
  std::string arch;
  uint64_t archFingerprint = 0;
  uint32_t chipsX = 1, chipsY = 1, coresPerChip = 1;
  std::vector<CoreProgram> cores;
  /// The initial contents of external memory from `constantsAddress` on.
  uint64_t constantsAddress = 0;
  std::vector<uint8_t> constants;
  std::vector<MemoryRegion> memory;
  std::vector<TensorDescriptor> tensors;
  /// The layers the cores' marks name, in program order (may be empty).
  std::vector<LayerInfo> layers;
  bool operator==(const ModelBinary &o) const {
    return arch == o.arch && archFingerprint == o.archFingerprint &&
           chipsX == o.chipsX && chipsY == o.chipsY &&
           coresPerChip == o.coresPerChip && cores == o.cores &&
           constantsAddress == o.constantsAddress && constants == o.constants &&
           memory == o.memory && tensors == o.tensors && layers == o.layers;
  }
};

/// Why `m` cannot be written (a descriptor or tensor out of the format's
/// limits, an instruction field out of range, a core out of the system, a
/// descriptor index no table holds, a malformed program, anything beyond the
/// 48-bit address space, two inputs or outputs of one name); empty when it
/// can.
std::string checkModelBinary(const ModelBinary &m);
llvm::Expected<std::vector<uint8_t>> writeModelBinary(const ModelBinary &m);
/// Validates everything: magic, versions, sizes, offsets, checksums, every
/// instruction and record. `source` names the input in errors.
llvm::Expected<ModelBinary> readModelBinary(llvm::ArrayRef<uint8_t> bytes,
                                            llvm::StringRef source);

/// The complete text form (directives and instructions).
std::string printModelAssembly(const ModelBinary &m);
/// Parses the text form; errors are "source:line:column: message".
llvm::Expected<ModelBinary> parseModelAssembly(llvm::StringRef text,
                                               llvm::StringRef source);

} // namespace rapid::isa

#endif // RAPID_ISA_MODELBINARY_H
