//===- ISA.cpp - The RaPiD instruction set: encode, decode, assemble ------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/ISA/ISA.h"
#include "rapid/Support/Vocabulary.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace rapid::isa;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

static std::vector<InstructionSpec> buildInstructionSet() {
  std::vector<InstructionSpec> set;
#define RAPID_INSTRUCTION(NAME, MNEMONIC, OPCODE, SUMMARY)                     \
  set.push_back({Opcode::NAME, MNEMONIC, SUMMARY, {}, kOpcodeBits});
#define RAPID_FIELD(INSTR, NAME, KIND, BITS)                                   \
  if (set.back().opcode != Opcode::INSTR || BITS < 1 || BITS > 63)             \
    llvm::report_fatal_error("Instructions.def: field '" NAME                  \
                             "' misplaced or of a bad width");                 \
  set.back().fields.push_back(                                                 \
      {NAME, FieldKind::KIND, BITS, set.back().usedBits});                     \
  set.back().usedBits += BITS;
#include "rapid/ISA/Instructions.def"
  for (const InstructionSpec &s : set) {
    // The table must fit the word and the Instruction struct.
    if (s.usedBits > kInstructionBytes * 8 || s.fields.size() > kMaxFields)
      llvm::report_fatal_error(llvm::Twine("Instructions.def: '") + s.mnemonic +
                               "' does not fit 128 bits");
  }
  return set;
}

llvm::ArrayRef<InstructionSpec> rapid::isa::instructionSet() {
  static const std::vector<InstructionSpec> set = buildInstructionSet();
  return set;
}

const InstructionSpec *rapid::isa::lookup(Opcode opcode) {
  // By opcode (the simulator asks for every field it reads).
  static const auto table = [] {
    std::array<const InstructionSpec *, 256> t{};
    for (const InstructionSpec &s : instructionSet())
      if (!t[uint8_t(s.opcode)])
        t[uint8_t(s.opcode)] = &s;
    return t;
  }();
  return table[uint8_t(opcode)];
}

const InstructionSpec *rapid::isa::lookup(StringRef mnemonic) {
  for (const InstructionSpec &s : instructionSet())
    if (mnemonic == s.mnemonic)
      return &s;
  return nullptr;
}

/// Whether the C string `s` is `name` (without measuring `s` first: most
/// candidates differ in the first character).
static bool isName(const char *s, StringRef name) {
  for (size_t k = 0; k < name.size(); ++k)
    if (s[k] == '\0' || s[k] != name[k])
      return false;
  return s[name.size()] == '\0';
}

int InstructionSpec::fieldIndex(StringRef name) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (isName(fields[i].name, name))
      return int(i);
  return -1;
}

llvm::ArrayRef<std::pair<StringRef, int64_t>>
rapid::isa::enumValues(FieldKind kind) {
  static const auto table = [] {
    std::vector<std::vector<std::pair<StringRef, int64_t>>> t(
        unsigned(FieldKind::Scope) + 1);
#define RAPID_ISA_ENUM(KIND, ENUMERATOR, NAME, VALUE)                          \
  t[unsigned(FieldKind::KIND)].push_back({NAME, VALUE});
#include "rapid/ISA/Instructions.def"
    int64_t precision = 0;
#define RAPID_ISA_PRECISION(E, S, ...)                                         \
  t[unsigned(FieldKind::Precision)].push_back({S, precision++});
    RAPID_PRECISIONS(RAPID_ISA_PRECISION)
#undef RAPID_ISA_PRECISION
    return t;
  }();
  return table[unsigned(kind)];
}

StringRef rapid::isa::kindName(FieldKind kind) {
  switch (kind) {
  case FieldKind::Reg:
    return "address register";
  case FieldKind::FReg:
    return "scalar register";
  case FieldKind::UImm:
    return "unsigned immediate";
  case FieldKind::SImm:
    return "signed immediate";
  case FieldKind::Sem:
    return "semaphore";
  case FieldKind::DmaPath:
    return "DMA path";
  case FieldKind::Peer:
    return "peer";
  case FieldKind::Dataflow:
    return "dataflow";
  case FieldKind::Precision:
    return "precision";
  case FieldKind::SfuOp:
    return "SFU operation";
  case FieldKind::BMode:
    return "b mode";
  case FieldKind::Scope:
    return "scope";
  }
  return "?";
}

/// The index of field `name` of `inst`'s instruction; a field the table
/// does not have is a programming error, fatal in every build.
static unsigned fieldIndexOrDie(const Instruction &inst, StringRef name) {
  const InstructionSpec *s = lookup(inst.opcode);
  // Callers ask for the same few names (string literals) over and over: a
  // small cache by the name's address, each hit checked against the name.
  struct Hint {
    const char *data;
    Opcode opcode;
    unsigned index;
  };
  thread_local std::array<Hint, 256> hints{};
  Hint &hint = hints[(reinterpret_cast<uintptr_t>(name.data()) >> 2 ^
                      uintptr_t(inst.opcode) * 37) %
                     hints.size()];
  if (s && hint.data == name.data() && hint.opcode == inst.opcode &&
      hint.index < s->fields.size() && isName(s->fields[hint.index].name, name))
    return hint.index;
  int i = s ? s->fieldIndex(name) : -1;
  if (i >= 0)
    hint = {name.data(), inst.opcode, unsigned(i)};
  if (i < 0)
    llvm::report_fatal_error(llvm::Twine("rapid::isa: instruction '") +
                             (s ? s->mnemonic : "?") + "' has no field '" +
                             name + "'");
  return unsigned(i);
}

int64_t Instruction::get(StringRef name) const {
  return fields[fieldIndexOrDie(*this, name)];
}

Instruction &Instruction::set(StringRef name, int64_t value) {
  fields[fieldIndexOrDie(*this, name)] = value;
  return *this;
}

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

std::string rapid::isa::checkField(const FieldSpec &f, int64_t value) {
  auto range = [&](int64_t lo, int64_t hi) -> std::string {
    if (value >= lo && value <= hi)
      return {};
    return llvm::formatv("{0} {1} is out of range [{2}, {3}] ({4} bits)",
                         kindName(f.kind), value, lo, hi, f.bits);
  };
  switch (f.kind) {
  case FieldKind::Sem:
    if (value >= 0 && value <= kNoSemaphore)
      return {};
    return llvm::formatv("semaphore {0} is out of range: expected s0-s62 or "
                         "none ({1})",
                         value, kNoSemaphore);
  case FieldKind::Reg:
  case FieldKind::FReg:
  case FieldKind::UImm:
    return range(0, (int64_t(1) << f.bits) - 1);
  case FieldKind::SImm:
    return range(-(int64_t(1) << (f.bits - 1)),
                 (int64_t(1) << (f.bits - 1)) - 1);
  default:
    for (const auto &[name, v] : enumValues(f.kind))
      if (v == value)
        return {};
    return llvm::formatv("{0} value {1} is not defined", kindName(f.kind),
                         value);
  }
}

static llvm::Error fieldError(const InstructionSpec &s, const FieldSpec &f,
                              const std::string &why) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      llvm::formatv("'{0}' field '{1}': {2}", s.mnemonic, f.name, why).str());
}

llvm::Expected<Word> rapid::isa::encode(const Instruction &inst) {
  const InstructionSpec *s = lookup(inst.opcode);
  if (!s)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("unknown opcode {0:x2}", unsigned(inst.opcode)).str());
  // The word as two 64-bit halves.
  uint64_t half[2] = {uint64_t(inst.opcode), 0};
  for (size_t i = 0; i < s->fields.size(); ++i) {
    const FieldSpec &f = s->fields[i];
    int64_t value = inst.fields[i];
    std::string why = checkField(f, value);
    if (!why.empty())
      return fieldError(*s, f, why);
    uint64_t bits = uint64_t(value) & ((uint64_t(1) << f.bits) - 1);
    for (unsigned b = 0; b < f.bits; ++b)
      if (bits >> b & 1) {
        unsigned at = f.offset + b;
        half[at / 64] |= uint64_t(1) << (at % 64);
      }
  }
  for (size_t i = s->fields.size(); i < kMaxFields; ++i)
    if (inst.fields[i] != 0)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("'{0}' has {1} fields; value {2} given for a field "
                        "it does not have",
                        s->mnemonic, s->fields.size(), inst.fields[i])
              .str());
  Word w;
  for (unsigned i = 0; i < kInstructionBytes; ++i)
    w[i] = uint8_t(half[i / 8] >> (8 * (i % 8)));
  return w;
}

llvm::Expected<Instruction> rapid::isa::decode(llvm::ArrayRef<uint8_t> word) {
  if (word.size() != kInstructionBytes)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("an instruction is {0} bytes, got {1}", kInstructionBytes,
                      word.size())
            .str());
  uint64_t half[2] = {0, 0};
  for (unsigned i = 0; i < kInstructionBytes; ++i)
    half[i / 8] |= uint64_t(word[i]) << (8 * (i % 8));
  const InstructionSpec *s = lookup(Opcode(word[0]));
  if (!s)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("unknown opcode {0:x2}", unsigned(word[0])).str());
  for (unsigned at = s->usedBits; at < kInstructionBytes * 8; ++at)
    if (half[at / 64] >> (at % 64) & 1)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("'{0}': reserved bit {1} is set (fields end at bit "
                        "{2})",
                        s->mnemonic, at, s->usedBits)
              .str());
  Instruction inst;
  inst.opcode = s->opcode;
  for (size_t i = 0; i < s->fields.size(); ++i) {
    const FieldSpec &f = s->fields[i];
    uint64_t bits = 0;
    for (unsigned b = 0; b < f.bits; ++b) {
      unsigned at = f.offset + b;
      bits |= (half[at / 64] >> (at % 64) & 1) << b;
    }
    int64_t value = int64_t(bits);
    if (f.kind == FieldKind::SImm && (bits >> (f.bits - 1) & 1))
      value -= int64_t(1) << f.bits; // sign-extend
    std::string why = checkField(f, value);
    if (!why.empty())
      return fieldError(*s, f, why);
    inst.fields[i] = value;
  }
  return inst;
}

llvm::Expected<std::vector<Instruction>>
rapid::isa::decodeProgram(llvm::ArrayRef<uint8_t> bytes) {
  if (bytes.size() % kInstructionBytes != 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("the code is {0} bytes, not a multiple of the {1}-byte "
                      "instruction (truncated?)",
                      bytes.size(), kInstructionBytes)
            .str());
  std::vector<Instruction> program;
  for (size_t at = 0; at < bytes.size(); at += kInstructionBytes) {
    llvm::Expected<Instruction> inst =
        decode(bytes.slice(at, kInstructionBytes));
    if (!inst)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("instruction {0} (byte offset {1}): {2}",
                        at / kInstructionBytes, at,
                        llvm::toString(inst.takeError()))
              .str());
    program.push_back(*inst);
  }
  return program;
}

llvm::Expected<std::vector<uint8_t>>
rapid::isa::encodeProgram(llvm::ArrayRef<Instruction> program) {
  std::vector<uint8_t> bytes;
  bytes.reserve(program.size() * kInstructionBytes);
  for (size_t i = 0; i < program.size(); ++i) {
    llvm::Expected<Word> w = encode(program[i]);
    if (!w)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("instruction {0}: {1}", i,
                        llvm::toString(w.takeError()))
              .str());
    bytes.insert(bytes.end(), w->begin(), w->end());
  }
  return bytes;
}

//===----------------------------------------------------------------------===//
// Text
//===----------------------------------------------------------------------===//

std::string rapid::isa::formatFieldValue(const FieldSpec &f, int64_t value) {
  switch (f.kind) {
  case FieldKind::Reg:
    return "a" + std::to_string(value);
  case FieldKind::FReg:
    return "f" + std::to_string(value);
  case FieldKind::UImm:
  case FieldKind::SImm:
    return std::to_string(value);
  case FieldKind::Sem:
    return value == kNoSemaphore ? "none" : "s" + std::to_string(value);
  default:
    for (const auto &[name, v] : enumValues(f.kind))
      if (v == value)
        return name.str();
    return "?" + std::to_string(value);
  }
}

std::string rapid::isa::disassemble(const Instruction &inst) {
  const InstructionSpec *s = lookup(inst.opcode);
  if (!s)
    return llvm::formatv("<unknown opcode {0:x2}>", unsigned(inst.opcode));
  std::string out = s->mnemonic;
  for (size_t i = 0; i < s->fields.size(); ++i)
    out += (i ? ", " : " ") + std::string(s->fields[i].name) + "=" +
           formatFieldValue(s->fields[i], inst.fields[i]);
  return out;
}

std::string
rapid::isa::disassembleProgram(llvm::ArrayRef<Instruction> program) {
  std::string out;
  for (const Instruction &inst : program)
    out += disassemble(inst) + "\n";
  return out;
}

std::string rapid::isa::parseFieldValue(const FieldSpec &f, StringRef text,
                                        int64_t &value) {
  // Decimal, or hexadecimal after 0x; an optional minus sign. Numbers
  // beyond 64 bits are out of every field's range.
  bool tooLarge = false;
  auto number = [&](StringRef digits) -> bool {
    bool negative = digits.consume_front("-");
    unsigned radix = 10;
    if (digits.consume_front_insensitive("0x"))
      radix = 16;
    if (digits.empty() || !llvm::all_of(digits, [&](char c) {
          return radix == 16 ? llvm::isHexDigit(c) : llvm::isDigit(c);
        }))
      return false;
    uint64_t v;
    if (digits.getAsInteger(radix, v) || v > uint64_t(INT64_MAX)) {
      tooLarge = true;
      return false;
    }
    value = negative ? -int64_t(v) : int64_t(v);
    return true;
  };
  // Register and semaphore numbers: decimal digits only.
  auto registerNumber = [&](char prefix) -> bool {
    StringRef digits = text.drop_front();
    uint64_t v;
    if (text.size() < 2 || text[0] != prefix ||
        !llvm::all_of(digits, llvm::isDigit) || digits.getAsInteger(10, v) ||
        v > 1000)
      return false;
    value = int64_t(v);
    return true;
  };
  switch (f.kind) {
  case FieldKind::Reg:
    if (!registerNumber('a'))
      return "expected an address register a0-a15, got '" + text.str() + "'";
    break;
  case FieldKind::FReg:
    if (!registerNumber('f'))
      return "expected a scalar register f0-f15, got '" + text.str() + "'";
    break;
  case FieldKind::Sem:
    if (text == "none") {
      value = kNoSemaphore;
      return {};
    }
    if (!registerNumber('s') || value == kNoSemaphore)
      return "expected a semaphore s0-s62 or none, got '" + text.str() + "'";
    break;
  case FieldKind::UImm:
  case FieldKind::SImm:
    if (!number(text)) {
      if (tooLarge) {
        std::string why =
            checkField(f, text.starts_with("-") ? INT64_MIN : INT64_MAX);
        return kindName(f.kind).str() + " " + text.str() +
               why.substr(why.find(" is out of range"));
      }
      return "expected an integer (decimal or 0x hex), got '" + text.str() +
             "'";
    }
    break;
  default: {
    for (const auto &[name, v] : enumValues(f.kind))
      if (text == name) {
        value = v;
        return {};
      }
    std::string names;
    for (const auto &[name, v] : enumValues(f.kind))
      names += (names.empty() ? "" : ", ") + name.str();
    return "unknown " + kindName(f.kind).str() + " '" + text.str() +
           "'; expected one of " + names;
  }
  }
  return checkField(f, value);
}

StringRef rapid::isa::stripComment(StringRef line) {
  return line.substr(0, std::min(line.find('#'), line.find("//")));
}

std::optional<AsmError> rapid::isa::parseInstruction(StringRef line,
                                                     Instruction &inst) {
  StringRef rest = line.ltrim();
  size_t start = line.size() - rest.size();
  auto col = [&](StringRef at) { return size_t(at.data() - line.data()) + 1; };
  StringRef mnemonic = rest.take_until([](char c) { return llvm::isSpace(c); });
  const InstructionSpec *s = lookup(mnemonic);
  if (!s) {
    std::string names;
    for (const InstructionSpec &x : instructionSet())
      names += (names.empty() ? "" : ", ") + std::string(x.mnemonic);
    return AsmError{start + 1, "unknown instruction '" + mnemonic.str() +
                                   "'; expected one of " + names};
  }
  inst = Instruction();
  inst.opcode = s->opcode;
  std::vector<bool> seen(s->fields.size(), false);
  rest = rest.drop_front(mnemonic.size()).trim();
  while (!rest.empty()) {
    StringRef item = rest.take_until([](char c) { return c == ','; });
    rest = rest.drop_front(item.size());
    if (rest.consume_front(",")) {
      rest = rest.ltrim();
      if (rest.empty())
        return AsmError{col(rest), "expected field=value after ','"};
    }
    StringRef trimmed = item.trim();
    auto [name, value] = trimmed.split('=');
    name = name.trim();
    value = value.trim();
    if (!trimmed.contains('=') || name.empty())
      return AsmError{col(trimmed),
                      "expected field=value, got '" + trimmed.str() + "'"};
    int i = s->fieldIndex(name);
    if (i < 0) {
      std::string names;
      for (const FieldSpec &f : s->fields)
        names += (names.empty() ? "" : ", ") + std::string(f.name);
      return AsmError{col(name),
                      "'" + std::string(s->mnemonic) + "' has no field '" +
                          name.str() + "'" +
                          (names.empty() ? std::string("; it has none")
                                         : "; its fields are " + names)};
    }
    if (seen[i])
      return AsmError{col(name), "field '" + name.str() + "' given twice"};
    seen[i] = true;
    std::string why = parseFieldValue(s->fields[i], value, inst.fields[i]);
    if (!why.empty())
      return AsmError{col(value), "'" + std::string(s->mnemonic) + "' field '" +
                                      name.str() + "': " + why};
  }
  for (size_t i = 0; i < s->fields.size(); ++i)
    if (!seen[i])
      return AsmError{line.size() + 1, "'" + std::string(s->mnemonic) +
                                           "' is missing field '" +
                                           s->fields[i].name + "'"};
  return std::nullopt;
}

llvm::Expected<Instruction> rapid::isa::assemble(StringRef line) {
  Instruction inst;
  if (std::optional<AsmError> e = parseInstruction(line, inst))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("column {0}: {1}", e->column, e->message).str());
  return inst;
}

llvm::Expected<std::vector<Instruction>>
rapid::isa::assembleProgram(StringRef text, StringRef source) {
  std::vector<Instruction> program;
  unsigned lineNo = 0;
  for (StringRef rest = text; !rest.empty();) {
    auto [line, next] = rest.split('\n');
    rest = next;
    ++lineNo;
    StringRef code = stripComment(line).rtrim();
    if (code.trim().empty())
      continue;
    Instruction inst;
    if (std::optional<AsmError> e = parseInstruction(code, inst))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     llvm::formatv("{0}:{1}:{2}: {3}", source,
                                                   lineNo, e->column,
                                                   e->message)
                                         .str());
    program.push_back(inst);
  }
  return program;
}

//===----------------------------------------------------------------------===//
// Program structure
//===----------------------------------------------------------------------===//

std::string
rapid::isa::checkProgramStructure(llvm::ArrayRef<Instruction> code) {
  if (code.empty())
    return "the program is empty; it must end with 'halt'";
  if (code.back().opcode != Opcode::Halt)
    return llvm::formatv("instruction {0} (the last) is '{1}'; a program "
                         "ends with 'halt'",
                         code.size() - 1, code.back().spec().mnemonic)
        .str();
  // Ends (exclusive) of the loop bodies enclosing the current instruction.
  llvm::SmallVector<size_t, kMaxLoopDepth> open;
  for (size_t i = 0; i < code.size(); ++i) {
    while (!open.empty() && open.back() <= i)
      open.pop_back();
    if (code[i].opcode != Opcode::Loop)
      continue;
    int64_t body = code[i].get("body");
    size_t end = i + 1 + size_t(body);
    if (body < 1)
      return llvm::formatv("instruction {0}: 'loop' has an empty body", i)
          .str();
    if (code[i].get("count") < 1)
      return llvm::formatv("instruction {0}: 'loop' repeats its body 0 times",
                           i)
          .str();
    if (end > code.size() - 1)
      return llvm::formatv("instruction {0}: the body of 'loop' ({1} "
                           "instructions) runs past the program's final "
                           "'halt' at {2}",
                           i, body, code.size() - 1)
          .str();
    if (!open.empty() && end > open.back())
      return llvm::formatv("instruction {0}: the body of 'loop' ({1} "
                           "instructions) runs past the end of the loop "
                           "enclosing it (instruction {2})",
                           i, body, open.back())
          .str();
    if (open.size() == kMaxLoopDepth)
      return llvm::formatv("instruction {0}: loops nest {1} deep; the "
                           "hardware allows {2}",
                           i, kMaxLoopDepth + 1, kMaxLoopDepth)
          .str();
    open.push_back(end);
  }
  return {};
}

Engine rapid::isa::engineOf(const Instruction &inst) {
  if (inst.opcode == Opcode::Mac)
    return Engine::Pe;
  if (inst.opcode == Opcode::Sfu)
    return Engine::Sfu;
  switch (DmaPath(inst.get("path"))) {
  case DmaPath::ExtToLx:
  case DmaPath::ExtToLxUnpack:
  case DmaPath::LxToExt:
  case DmaPath::ExtToExt:
    return Engine::DmaExt;
  case DmaPath::LxToRing:
  case DmaPath::RingToLx:
    return Engine::DmaRing;
  case DmaPath::LxToLink:
  case DmaPath::LinkToLx:
    return Engine::DmaLink;
  case DmaPath::L0ToLx:
    return Engine::DmaFromL0;
  default:
    return Engine::DmaToL0;
  }
}

const char *rapid::isa::engineName(Engine e) {
  static const char *names[] = {"dma-ext",  "dma-to-l0", "dma-from-l0",
                                "dma-ring", "dma-link",  "pe",
                                "sfu"};
  return names[unsigned(e)];
}
