//===- ISA.h - The RaPiD instruction set: encode, decode, assemble -*- C++
//-*-===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// A core's instructions as plain C++ values, and their 128-bit encoding and
// text form, all driven by the one table in Instructions.def (docs/isa.md).
// Every field is range-checked when encoding and assembling; decoding
// rejects unknown opcodes, enumeration values outside their lists and
// non-zero reserved bits, naming the instruction, the field and the value.
//
//===----------------------------------------------------------------------===//

#ifndef RAPID_ISA_ISA_H
#define RAPID_ISA_ISA_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rapid::isa {

/// The version of the encoding; model.bin records it.
constexpr unsigned kVersion = 1;
/// Every instruction is this many bytes (128 bits, little-endian).
constexpr unsigned kInstructionBytes = 16;
/// The opcode occupies the low byte; fields follow from bit 8.
constexpr unsigned kOpcodeBits = 8;
constexpr unsigned kMaxFields = 16;
/// The semaphore field's encoding of "no semaphore".
constexpr int64_t kNoSemaphore = 63;
/// Hardware loops nest at most this deep.
constexpr unsigned kMaxLoopDepth = 8;

enum class Opcode : uint8_t {
#define RAPID_INSTRUCTION(NAME, MNEMONIC, OPCODE, SUMMARY) NAME = OPCODE,
#include "rapid/ISA/Instructions.def"
};

// The enumerations' values as C++ enums (DmaPath::ExtToLx, Peer::PlusX,
// SfuOperation::Max, ...), generated from the table: RAPID_ISA_ENUM dispatches
// to a per-kind helper, and only the helper of the enum being generated emits.
#define RAPID_ISA_ENUM_DmaPath(E, V)
#define RAPID_ISA_ENUM_Peer(E, V)
#define RAPID_ISA_ENUM_Dataflow(E, V)
#define RAPID_ISA_ENUM_SfuOp(E, V)
#define RAPID_ISA_ENUM_BMode(E, V)
#define RAPID_ISA_ENUM_Scope(E, V)
#undef RAPID_ISA_ENUM_DmaPath
#define RAPID_ISA_ENUM_DmaPath(E, V) E = V,
#define RAPID_ISA_ENUM(KIND, E, NAME, V) RAPID_ISA_ENUM_##KIND(E, V)
enum class DmaPath : int64_t {
#include "rapid/ISA/Instructions.def"
};
#undef RAPID_ISA_ENUM_DmaPath
#define RAPID_ISA_ENUM_DmaPath(E, V)
#undef RAPID_ISA_ENUM_Peer
#define RAPID_ISA_ENUM_Peer(E, V) E = V,
#define RAPID_ISA_ENUM(KIND, E, NAME, V) RAPID_ISA_ENUM_##KIND(E, V)
enum class Peer : int64_t {
#include "rapid/ISA/Instructions.def"
};
#undef RAPID_ISA_ENUM_Peer
#define RAPID_ISA_ENUM_Peer(E, V)
#undef RAPID_ISA_ENUM_Dataflow
#define RAPID_ISA_ENUM_Dataflow(E, V) E = V,
#define RAPID_ISA_ENUM(KIND, E, NAME, V) RAPID_ISA_ENUM_##KIND(E, V)
enum class MacDataflow : int64_t {
#include "rapid/ISA/Instructions.def"
};
#undef RAPID_ISA_ENUM_Dataflow
#define RAPID_ISA_ENUM_Dataflow(E, V)
#undef RAPID_ISA_ENUM_SfuOp
#define RAPID_ISA_ENUM_SfuOp(E, V) E = V,
#define RAPID_ISA_ENUM(KIND, E, NAME, V) RAPID_ISA_ENUM_##KIND(E, V)
enum class SfuOperation : int64_t {
#include "rapid/ISA/Instructions.def"
};
#undef RAPID_ISA_ENUM_SfuOp
#define RAPID_ISA_ENUM_SfuOp(E, V)
#undef RAPID_ISA_ENUM_BMode
#define RAPID_ISA_ENUM_BMode(E, V) E = V,
#define RAPID_ISA_ENUM(KIND, E, NAME, V) RAPID_ISA_ENUM_##KIND(E, V)
enum class BMode : int64_t {
#include "rapid/ISA/Instructions.def"
};
#undef RAPID_ISA_ENUM_BMode
#define RAPID_ISA_ENUM_BMode(E, V)
#undef RAPID_ISA_ENUM_Scope
#define RAPID_ISA_ENUM_Scope(E, V) E = V,
#define RAPID_ISA_ENUM(KIND, E, NAME, V) RAPID_ISA_ENUM_##KIND(E, V)
enum class Scope : int64_t {
#include "rapid/ISA/Instructions.def"
};
#undef RAPID_ISA_ENUM_Scope
#define RAPID_ISA_ENUM_Scope(E, V)
#undef RAPID_ISA_ENUM_DmaPath
#undef RAPID_ISA_ENUM_Peer
#undef RAPID_ISA_ENUM_Dataflow
#undef RAPID_ISA_ENUM_SfuOp
#undef RAPID_ISA_ENUM_BMode
#undef RAPID_ISA_ENUM_Scope

enum class FieldKind : uint8_t {
  Reg,
  FReg,
  UImm,
  SImm,
  Sem,
  DmaPath,
  Peer,
  Dataflow,
  Precision,
  SfuOp,
  BMode,
  Scope,
};

struct FieldSpec {
  const char *name;
  FieldKind kind;
  unsigned bits;
  /// First bit of the field in the 128-bit word.
  unsigned offset;
};

struct InstructionSpec {
  Opcode opcode;
  const char *mnemonic;
  const char *summary;
  std::vector<FieldSpec> fields;
  /// Bits used by the opcode and the fields; the rest are reserved (zero).
  unsigned usedBits;

  /// The index of field `name`, or -1.
  int fieldIndex(llvm::StringRef name) const;
};

/// Every instruction, in table order.
llvm::ArrayRef<InstructionSpec> instructionSet();
const InstructionSpec *lookup(Opcode opcode);
const InstructionSpec *lookup(llvm::StringRef mnemonic);

/// The names and values of an enumeration kind (empty for the others).
llvm::ArrayRef<std::pair<llvm::StringRef, int64_t>> enumValues(FieldKind kind);
llvm::StringRef kindName(FieldKind kind);

/// One instruction: its opcode and a value per field of its spec, in the
/// spec's order (signed immediates as signed values, semaphores 0-62 or
/// kNoSemaphore, enumerations by value).
struct Instruction {
  Opcode opcode = Opcode::Nop;
  std::array<int64_t, kMaxFields> fields{};

  const InstructionSpec &spec() const { return *lookup(opcode); }
  /// The value of field `name` (which must exist).
  int64_t get(llvm::StringRef name) const;
  Instruction &set(llvm::StringRef name, int64_t value);
  bool operator==(const Instruction &o) const {
    return opcode == o.opcode && fields == o.fields;
  }
};

using Word = std::array<uint8_t, kInstructionBytes>;

/// Why `value` does not fit field `f` (empty when it does).
std::string checkField(const FieldSpec &f, int64_t value);

/// The encoding of `inst`; fails naming the field out of range.
llvm::Expected<Word> encode(const Instruction &inst);
/// The instruction in 16 bytes; fails on an unknown opcode, an invalid
/// enumeration value or non-zero reserved bits.
llvm::Expected<Instruction> decode(llvm::ArrayRef<uint8_t> word);
/// A whole code section: a multiple of 16 bytes; errors give the
/// instruction's index and byte offset.
llvm::Expected<std::vector<Instruction>>
decodeProgram(llvm::ArrayRef<uint8_t> bytes);
llvm::Expected<std::vector<uint8_t>>
encodeProgram(llvm::ArrayRef<Instruction> program);

/// A field's value as the assembler writes it: a3, f2, s5 or none, an
/// integer, or an enumerator's name.
std::string formatFieldValue(const FieldSpec &f, int64_t value);
/// The value of `text` for field `f` (what formatFieldValue writes, integers
/// also in 0x hex), range-checked; empty on success, else why not.
std::string parseFieldValue(const FieldSpec &f, llvm::StringRef text,
                            int64_t &value);
/// Why `code` is not a well-formed program, or empty: every loop repeats a
/// non-empty body at least once, the body lies within the program and within
/// the body of each loop enclosing it, loops nest at most kMaxLoopDepth deep,
/// and the last instruction is `halt`.
std::string checkProgramStructure(llvm::ArrayRef<Instruction> code);

/// "mnemonic field=value, ..." with every field in table order.
/// The engines of a core (docs/isa.md): each runs its instructions one at a
/// time in issue order, concurrently with the others: the DMA engines of
/// external memory, of Lx->L0 (and Lx->Lx), of L0->Lx, of the ring and of
/// the links, the PE array and the SFUs.
enum class Engine : unsigned {
  DmaExt,
  DmaToL0,
  DmaFromL0,
  DmaRing,
  DmaLink,
  Pe,
  Sfu
};
constexpr unsigned kEngines = 7;
/// The engine that runs `inst` (a dma, mac or sfu).
Engine engineOf(const Instruction &inst);
const char *engineName(Engine e);
/// Whether `op` is run by an engine (dma, mac, sfu).
inline bool isEngineOp(Opcode op) {
  return op == Opcode::Dma || op == Opcode::Mac || op == Opcode::Sfu;
}

std::string disassemble(const Instruction &inst);
/// One instruction per line.
std::string disassembleProgram(llvm::ArrayRef<Instruction> program);
/// Why one instruction's text does not parse, and at which column (1-based).
struct AsmError {
  size_t column;
  std::string message;
};
/// Parses the text form of one instruction (no comment): every field given
/// once, in any order. std::nullopt on success.
std::optional<AsmError> parseInstruction(llvm::StringRef line,
                                         Instruction &inst);
/// `line` without its comment (`#` or `//` to the end of the line).
llvm::StringRef stripComment(llvm::StringRef line);
/// parseInstruction as an Expected; errors read "column N: message".
llvm::Expected<Instruction> assemble(llvm::StringRef line);
/// A program: one instruction per line; blank lines and comments (`#` or
/// `//` to the end of the line) are skipped. Errors are
/// "source:line:column: message".
llvm::Expected<std::vector<Instruction>>
assembleProgram(llvm::StringRef text, llvm::StringRef source);

} // namespace rapid::isa

#endif // RAPID_ISA_ISA_H
