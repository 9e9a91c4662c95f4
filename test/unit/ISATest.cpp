//===- ISATest.cpp - Encoding, decoding and text of every instruction -----===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Every instruction with randomized fields: encode -> decode -> encode and
// disassemble -> assemble round trips; every encoding error (each field just
// outside its range, undefined enumeration values, unknown opcodes, reserved
// bits, truncated code) and the assembler's diagnostics.
//
//===----------------------------------------------------------------------===//

#include "rapid/ISA/ISA.h"
#include "rapid/Support/Vocabulary.h"

#include <catch2/catch.hpp>

#include <random>
#include <set>

using namespace rapid::isa;

namespace {
/// A random valid value of field `f`, biased towards the range's edges.
int64_t randomValue(const FieldSpec &f, std::mt19937_64 &rng) {
  auto values = enumValues(f.kind);
  if (!values.empty())
    return values[rng() % values.size()].second;
  int64_t lo = 0, hi = (int64_t(1) << f.bits) - 1;
  if (f.kind == FieldKind::SImm) {
    lo = -(int64_t(1) << (f.bits - 1));
    hi = (int64_t(1) << (f.bits - 1)) - 1;
  }
  switch (rng() % 4) {
  case 0:
    return lo;
  case 1:
    return hi;
  default:
    return lo + int64_t(rng() % uint64_t(hi - lo + 1));
  }
}

Instruction randomInstruction(const InstructionSpec &s, std::mt19937_64 &rng) {
  Instruction inst;
  inst.opcode = s.opcode;
  for (size_t i = 0; i < s.fields.size(); ++i)
    inst.fields[i] = randomValue(s.fields[i], rng);
  return inst;
}

std::string error(llvm::Error e) { return llvm::toString(std::move(e)); }
} // namespace

TEST_CASE("the instruction table is consistent", "[isa]") {
  std::set<unsigned> opcodes;
  std::set<std::string> mnemonics;
  for (const InstructionSpec &s : instructionSet()) {
    CHECK(opcodes.insert(unsigned(s.opcode)).second);
    CHECK(mnemonics.insert(s.mnemonic).second);
    CHECK(s.usedBits <= kInstructionBytes * 8);
    CHECK(lookup(s.opcode) == &s);
    CHECK(lookup(s.mnemonic) == &s);
    unsigned next = kOpcodeBits;
    for (const FieldSpec &f : s.fields) {
      CHECK(f.offset == next);
      next += f.bits;
      // Enumerations fit their fields.
      for (const auto &[name, v] : enumValues(f.kind))
        CHECK(v < (int64_t(1) << f.bits));
    }
    CHECK(next == s.usedBits);
  }
  // The PE precisions are rapid's, in order.
  auto precisions = enumValues(FieldKind::Precision);
  auto names = rapid::spellings<rapid::Precision>();
  REQUIRE(precisions.size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    CHECK(precisions[i].first == names[i]);
    CHECK(precisions[i].second == int64_t(i));
  }
}

TEST_CASE("every instruction round-trips with randomized fields", "[isa]") {
  std::mt19937_64 rng(11);
  for (const InstructionSpec &s : instructionSet())
    for (int trial = 0; trial < 2000; ++trial) {
      Instruction inst = randomInstruction(s, rng);
      llvm::Expected<Word> w = encode(inst);
      REQUIRE(bool(w));
      llvm::Expected<Instruction> back = decode(*w);
      REQUIRE(bool(back));
      REQUIRE(*back == inst);
      llvm::Expected<Word> again = encode(*back);
      REQUIRE(bool(again));
      REQUIRE(*again == *w);
      // The opcode is the first byte; reserved bits are zero.
      REQUIRE((*w)[0] == uint8_t(s.opcode));
      std::string text = disassemble(inst);
      llvm::Expected<Instruction> parsed = assemble(text);
      INFO(text);
      REQUIRE(bool(parsed));
      REQUIRE(*parsed == inst);
    }
}

TEST_CASE("a program encodes, decodes, disassembles and assembles back",
          "[isa]") {
  std::mt19937_64 rng(12);
  std::vector<Instruction> program;
  for (int i = 0; i < 300; ++i) {
    const InstructionSpec &s =
        instructionSet()[rng() % instructionSet().size()];
    program.push_back(randomInstruction(s, rng));
  }
  llvm::Expected<std::vector<uint8_t>> bytes = encodeProgram(program);
  REQUIRE(bool(bytes));
  CHECK(bytes->size() == program.size() * kInstructionBytes);
  llvm::Expected<std::vector<Instruction>> decoded = decodeProgram(*bytes);
  REQUIRE(bool(decoded));
  CHECK(*decoded == program);
  std::string text = "# a comment line\n\n" + disassembleProgram(program) +
                     "nop // trailing\n";
  llvm::Expected<std::vector<Instruction>> assembled =
      assembleProgram(text, "p.s");
  REQUIRE(bool(assembled));
  REQUIRE(assembled->size() == program.size() + 1);
  CHECK(std::vector<Instruction>(assembled->begin(), assembled->end() - 1) ==
        program);
}

TEST_CASE("every field is range-checked when encoding", "[isa]") {
  for (const InstructionSpec &s : instructionSet())
    for (size_t i = 0; i < s.fields.size(); ++i) {
      const FieldSpec &f = s.fields[i];
      Instruction inst;
      inst.opcode = s.opcode;
      std::mt19937_64 rng(i);
      for (size_t j = 0; j < s.fields.size(); ++j)
        inst.fields[j] = randomValue(s.fields[j], rng);
      std::vector<int64_t> bad;
      if (f.kind == FieldKind::SImm)
        bad = {-(int64_t(1) << (f.bits - 1)) - 1, int64_t(1) << (f.bits - 1)};
      else
        bad = {-1, int64_t(1) << f.bits};
      // An undefined enumeration value inside the field's width.
      auto values = enumValues(f.kind);
      if (!values.empty())
        bad.push_back(values.back().second + 1);
      for (int64_t v : bad) {
        if (!values.empty() && v == (int64_t(1) << f.bits))
          continue;
        inst.fields[i] = v;
        llvm::Expected<Word> w = encode(inst);
        INFO(s.mnemonic << "." << f.name << " = " << v);
        REQUIRE_FALSE(bool(w));
        std::string why = error(w.takeError());
        CHECK_THAT(why, Catch::Contains(std::string("'") + s.mnemonic +
                                        "' field '" + f.name + "'"));
        CHECK_THAT(why, Catch::Contains(std::to_string(v)));
      }
    }
  Instruction nop;
  nop.fields[3] = 5;
  CHECK(error(encode(nop).takeError()) ==
        "'nop' has 0 fields; value 5 given for a field it does not have");
}

TEST_CASE("decoding rejects unknown opcodes, undefined values, reserved bits "
          "and truncated code",
          "[isa]") {
  Word w{};
  w[0] = 0xee;
  CHECK(error(decode(w).takeError()) == "unknown opcode 0xee");
  // halt uses only the opcode byte: any other bit is reserved.
  w = Word{};
  w[0] = uint8_t(Opcode::Halt);
  w[15] = 0x80;
  CHECK(error(decode(w).takeError()) ==
        "'halt': reserved bit 127 is set (fields end at bit 8)");
  // A dataflow value the enumeration does not define (3).
  Instruction mac;
  mac.opcode = Opcode::Mac;
  mac.set("inp_prec", 1).set("ker_prec", 1).set("acc_prec", 0);
  mac.set("wait", kNoSemaphore).set("signal", kNoSemaphore);
  Word good = llvm::cantFail(encode(mac));
  Word bad = good;
  bad[1] |= 0x3; // dataflow occupies bits 8-9
  CHECK(error(decode(bad).takeError()) ==
        "'mac' field 'dataflow': dataflow value 3 is not defined");
  bad = good;
  bad[1] |= 0xf << 2; // inp_prec: bits 10-13 = 15
  CHECK(error(decode(bad).takeError()) ==
        "'mac' field 'inp_prec': precision value 15 is not defined");
  CHECK(error(decode(llvm::ArrayRef<uint8_t>(good).drop_back()).takeError()) ==
        "an instruction is 16 bytes, got 15");
  std::vector<uint8_t> code(good.begin(), good.end());
  code.push_back(0);
  CHECK(error(decodeProgram(code).takeError()) ==
        "the code is 17 bytes, not a multiple of the 16-byte instruction "
        "(truncated?)");
  code.pop_back();
  code.insert(code.end(), bad.begin(), bad.end());
  CHECK(error(decodeProgram(code).takeError()) ==
        "instruction 1 (byte offset 16): 'mac' field 'inp_prec': precision "
        "value 15 is not defined");
}

TEST_CASE("the assembler says what is wrong and where", "[isa]") {
  auto fails = [](llvm::StringRef text) {
    llvm::Expected<std::vector<Instruction>> p = assembleProgram(text, "k.s");
    REQUIRE_FALSE(bool(p));
    return error(p.takeError());
  };
  CHECK(
      fails("nop\n  jump a=1\n")
          .rfind(
              "k.s:2:3: unknown instruction 'jump'; expected one of nop, halt, "
              "loop",
              0) == 0);
  CHECK(fails("loop count=3") == "k.s:1:13: 'loop' is missing field 'body'");
  CHECK(fails("loop count=3, body=1, count=4") ==
        "k.s:1:23: field 'count' given twice");
  CHECK(fails("loop count=16777216, body=1") ==
        "k.s:1:12: 'loop' field 'count': unsigned immediate 16777216 is out "
        "of range [0, 16777215] (24 bits)");
  CHECK(fails("addi a=a16, b=a0, imm=0") ==
        "k.s:1:8: 'addi' field 'a': address register 16 is out of range "
        "[0, 15] (4 bits)");
  CHECK(fails("addi a=x1, b=a0, imm=0") ==
        "k.s:1:8: 'addi' field 'a': expected an address register a0-a15, got "
        "'x1'");
  CHECK(fails("sem.wait sem=s63, count=1") ==
        "k.s:1:14: 'sem.wait' field 'sem': expected a semaphore s0-s62 or "
        "none, got 's63'");
  CHECK(fails("barrier scope=galaxy, id=0") ==
        "k.s:1:15: 'barrier' field 'scope': unknown scope 'galaxy'; expected "
        "one of chip, system");
  CHECK(fails("halt now") == "k.s:1:6: expected field=value, got 'now'");
  CHECK(fails("seti a=a1, imm=12, x=2") ==
        "k.s:1:20: 'seti' has no field 'x'; its fields are a, imm");
  CHECK(fails("addi a=a1, b=a2, imm=2147483648") ==
        "k.s:1:22: 'addi' field 'imm': signed immediate 2147483648 is out of "
        "range [-2147483648, 2147483647] (32 bits)");
  // Decimal unless 0x: no octal or binary guesses, registers in decimal.
  CHECK(llvm::cantFail(assemble("seti a=a1, imm=010")).get("imm") == 10);
  CHECK(fails("seti a=a1, imm=0b101") ==
        "k.s:1:16: 'seti' field 'imm': expected an integer (decimal or 0x "
        "hex), got '0b101'");
  CHECK(fails("seti a=a0x1, imm=0") ==
        "k.s:1:8: 'seti' field 'a': expected an address register a0-a15, got "
        "'a0x1'");
  CHECK(fails("seti a=a1, imm=99999999999999999999999") ==
        "k.s:1:16: 'seti' field 'imm': unsigned immediate "
        "99999999999999999999999 is out of range [0, 281474976710655] (48 "
        "bits)");
  CHECK(fails("sem.wait sem=s64, count=1") ==
        "k.s:1:14: 'sem.wait' field 'sem': semaphore 64 is out of range: "
        "expected s0-s62 or none (63)");
  CHECK(fails("loop count=1, body=2,") ==
        "k.s:1:22: expected field=value after ','");
  CHECK(bool(assemble("halt\r")));
  // Hexadecimal immediates and negative offsets.
  llvm::Expected<Instruction> i =
      assemble("dma path=ext_to_lx, peer=self, desc=0x10, dst=a1, "
               "dst_off=-64, src=a2, src_off=0x100, wait=none, signal=s3");
  REQUIRE(bool(i));
  CHECK(i->get("desc") == 16);
  CHECK(i->get("dst_off") == -64);
  CHECK(i->get("src_off") == 256);
  CHECK(i->get("wait") == kNoSemaphore);
  CHECK(disassemble(*i) ==
        "dma path=ext_to_lx, peer=self, desc=16, dst=a1, dst_off=-64, "
        "src=a2, src_off=256, wait=none, signal=s3");
}

TEST_CASE("program structure: loops nest within the program, which ends "
          "with halt",
          "[isa]") {
  auto program = [](llvm::StringRef text) {
    llvm::Expected<std::vector<Instruction>> p = assembleProgram(text, "p.s");
    REQUIRE(bool(p));
    return *p;
  };
  const char *nop = "nop\n", *halt = "halt\n";
  auto loop = [](int body) {
    return "loop count=2, body=" + std::to_string(body) + "\n";
  };
  // Well formed: nested loops sharing their last instruction.
  CHECK(checkProgramStructure(program(loop(3) + nop + loop(1) + nop + halt)) ==
        "");
  CHECK(checkProgramStructure({}) ==
        "the program is empty; it must end with 'halt'");
  CHECK(checkProgramStructure(program(std::string(nop) + nop)) ==
        "instruction 1 (the last) is 'nop'; a program ends with 'halt'");
  CHECK(checkProgramStructure(program(loop(2) + nop + halt)) ==
        "instruction 0: the body of 'loop' (2 instructions) runs past the "
        "program's final 'halt' at 2");
  CHECK(checkProgramStructure(program(loop(0) + nop + halt)) ==
        "instruction 0: 'loop' has an empty body");
  CHECK(checkProgramStructure(
            program("loop count=0, body=1\n" + std::string(nop) + halt)) ==
        "instruction 0: 'loop' repeats its body 0 times");
  CHECK(checkProgramStructure(program(loop(2) + loop(2) + nop + nop + halt)) ==
        "instruction 1: the body of 'loop' (2 instructions) runs past the "
        "end of the loop enclosing it (instruction 3)");
  std::string deep;
  for (int d = 0; d < 9; ++d)
    deep += loop(9 - d);
  CHECK(checkProgramStructure(program(deep + nop + halt)) ==
        "instruction 8: loops nest 9 deep; the hardware allows 8");
  std::string eight;
  for (int d = 0; d < 8; ++d)
    eight += loop(8 - d);
  CHECK(checkProgramStructure(program(eight + nop + halt)) == "");
}
