//===- ModelBinaryTest.cpp - model.bin write/read and text round trips ----===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//
//
// Random multi-core models: write -> read and print -> parse reproduce them
// exactly. Every kind of corruption (truncation at every length, a flipped
// bit anywhere, bad magic, versions, checksums, fields out of range with
// the checksums fixed up, descriptor indices beyond the tables) gives an
// error naming the file and the reason.
//
//===----------------------------------------------------------------------===//

#include "rapid/ISA/ModelBinary.h"

#include "llvm/Support/CRC.h"

#include <catch2/catch.hpp>

#include <random>

using namespace rapid::isa;

namespace {
Instruction randomInstruction(std::mt19937_64 &rng, size_t dmas, size_t tiles) {
  const InstructionSpec &s = instructionSet()[rng() % instructionSet().size()];
  Instruction inst;
  inst.opcode = s.opcode;
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const FieldSpec &f = s.fields[i];
    auto values = enumValues(f.kind);
    if (!values.empty())
      inst.fields[i] = values[rng() % values.size()].second;
    else if (f.kind == FieldKind::SImm)
      inst.fields[i] = int64_t(rng() % (uint64_t(1) << f.bits)) -
                       (int64_t(1) << (f.bits - 1));
    else
      inst.fields[i] = int64_t(rng() % (uint64_t(1) << f.bits));
  }
  if (inst.opcode == Opcode::Dma)
    inst.set("desc", int64_t(rng() % dmas));
  if (inst.opcode == Opcode::Mac)
    inst.set("tile", int64_t(rng() % tiles));
  return inst;
}

/// Appends `n` random instructions to `p`; a loop's body is a random
/// block nested within the `n`, so programs are well formed.
void appendRandomCode(std::mt19937_64 &rng, CoreProgram &p, int n,
                      unsigned depth) {
  while (n > 0) {
    Instruction inst = randomInstruction(rng, p.dma.size(), p.tiles.size());
    if (inst.opcode == Opcode::Halt)
      continue;
    if (inst.opcode != Opcode::Loop) {
      p.code.push_back(inst);
      --n;
      continue;
    }
    if (n < 2 || depth == kMaxLoopDepth)
      continue;
    int body = 1 + int(rng() % uint64_t(n - 1));
    inst.set("body", body);
    p.code.push_back(inst);
    appendRandomCode(rng, p, body, depth + 1);
    n -= body + 1;
  }
}

ModelBinary randomModel(std::mt19937_64 &rng) {
  ModelBinary m;
  m.arch = "test \"arch\" \\ " + std::to_string(rng() % 100);
  m.archFingerprint = rng();
  m.chipsX = 1 + rng() % 3;
  m.chipsY = 1 + rng() % 2;
  m.coresPerChip = 1 + rng() % 4;
  uint32_t cores = m.chipsX * m.chipsY * m.coresPerChip;
  for (int i = 0, n = int(rng() % 4); i < n; ++i) {
    LayerInfo l;
    l.name = "layer \"" + std::to_string(i) + "\"";
    l.macs = rng() % 1000000;
    if (rng() % 2)
      for (double &c : l.predicted)
        c = double(rng() % 100000) / 7.0;
    m.layers.push_back(l);
  }
  for (uint32_t c = 0; c < cores; c += 1 + rng() % 2) {
    CoreProgram p;
    p.core = c;
    for (int i = 0, n = 1 + rng() % 4; i < n; ++i) {
      DmaDescriptor d;
      d.elementBits = std::vector<unsigned>{1, 2, 4, 8, 16, 32}[rng() % 6];
      for (int k = 0, r = 1 + rng() % 4; k < r; ++k)
        d.dims.push_back({uint32_t(1 + rng() % 1000),
                          int64_t(rng() % 100000) - 50000,
                          int64_t(rng() % 100000)});
      p.dma.push_back(d);
    }
    for (int i = 0, n = 1 + rng() % 3; i < n; ++i) {
      TileDescriptor t;
      for (uint32_t &x : t.p)
        x = 1 + rng() % 64;
      for (auto &o : t.strides)
        for (int32_t &x : o)
          x = int32_t(rng() % 4096) - 100;
      p.tiles.push_back(t);
    }
    appendRandomCode(rng, p, int(rng() % 40), 0);
    p.code.push_back(Instruction{Opcode::Halt, {}});
    // Marks at some instructions outside loops.
    size_t end = 0;
    for (size_t i = 0; i < p.code.size(); ++i) {
      if (i >= end && !m.layers.empty() && rng() % 4 == 0)
        p.marks.push_back({uint32_t(i), uint32_t(rng() % m.layers.size())});
      if (i >= end && p.code[i].opcode == Opcode::Loop)
        end = i + 1 + size_t(p.code[i].get("body"));
    }
    m.cores.push_back(p);
  }
  m.constantsAddress = rng() % 65536;
  m.constants.resize(rng() % 200);
  for (uint8_t &b : m.constants)
    b = uint8_t(rng());
  m.memory.push_back({"weights", rapid::MemLevel::Ext, 0, m.constants.size()});
  m.memory.push_back({"act buffer 0", rapid::MemLevel::Lx, 1024, 4096});
  m.tensors.push_back({"image", false, 1, {1, 3, 224, 224}, 4096, 1.0f, 0});
  m.tensors.push_back({"logits \"q\"", true, 5, {1, 1000}, 8192, 0.0625f, -3});
  m.tensors.push_back({"scalar", true, 0, {}, 9000, 1.5f, 0});
  return m;
}

std::vector<uint8_t> write(const ModelBinary &m) {
  llvm::Expected<std::vector<uint8_t>> b = writeModelBinary(m);
  REQUIRE(bool(b));
  return *b;
}

std::string readError(const std::vector<uint8_t> &bytes) {
  llvm::Expected<ModelBinary> m = readModelBinary(bytes, "m.bin");
  REQUIRE_FALSE(bool(m));
  return llvm::toString(m.takeError());
}

/// Recomputes the header checksum after an edit of the header.
void fixHeader(std::vector<uint8_t> &b) {
  uint32_t crc = llvm::crc32(llvm::ArrayRef<uint8_t>(b).take_front(60));
  for (int i = 0; i < 4; ++i)
    b[60 + i] = uint8_t(crc >> (8 * i));
}

uint64_t get64(const std::vector<uint8_t> &b, size_t at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= uint64_t(b[at + i]) << (8 * i);
  return v;
}

/// Recomputes section `i`'s checksum after an edit of its bytes, then the
/// section table's and the header's.
void fixSection(std::vector<uint8_t> &b, unsigned i) {
  size_t entry = 64 + 32 * i;
  uint64_t offset = get64(b, entry + 8), size = get64(b, entry + 16);
  uint32_t crc = llvm::crc32(llvm::ArrayRef<uint8_t>(b).slice(offset, size));
  for (int k = 0; k < 4; ++k)
    b[entry + 24 + k] = uint8_t(crc >> (8 * k));
  uint32_t count = uint32_t(b[36]) | uint32_t(b[37]) << 8 |
                   uint32_t(b[38]) << 16 | uint32_t(b[39]) << 24;
  uint32_t table =
      llvm::crc32(llvm::ArrayRef<uint8_t>(b).slice(64, 32 * size_t(count)));
  for (int k = 0; k < 4; ++k)
    b[56 + k] = uint8_t(table >> (8 * k));
  fixHeader(b);
}
} // namespace

TEST_CASE("model.bin and its text form round-trip random models",
          "[modelbin]") {
  std::mt19937_64 rng(21);
  for (int trial = 0; trial < 100; ++trial) {
    ModelBinary m = randomModel(rng);
    std::vector<uint8_t> bytes = write(m);
    CHECK(bytes.size() % 16 == 0);
    llvm::Expected<ModelBinary> back = readModelBinary(bytes, "m.bin");
    REQUIRE(bool(back));
    REQUIRE(*back == m);
    std::string text = printModelAssembly(m);
    llvm::Expected<ModelBinary> parsed = parseModelAssembly(text, "m.s");
    INFO(text);
    REQUIRE(bool(parsed));
    REQUIRE(*parsed == m);
    // Deterministic: the same model, the same bytes.
    REQUIRE(write(*parsed) == bytes);
  }
}

TEST_CASE("corrupted model.bin files are rejected with the reason",
          "[modelbin]") {
  std::mt19937_64 rng(22);
  ModelBinary m = randomModel(rng);
  std::vector<uint8_t> good = write(m);

  // Every truncation and every single flipped bit is caught (magic,
  // versions, sizes, checksums), never read as another model.
  for (size_t n = 0; n < good.size(); ++n)
    readError(std::vector<uint8_t>(good.begin(), good.begin() + n));
  for (size_t bit = 0; bit < good.size() * 8; bit += 7) {
    std::vector<uint8_t> b = good;
    b[bit / 8] ^= uint8_t(1u << (bit % 8));
    llvm::Expected<ModelBinary> r = readModelBinary(b, "m.bin");
    // Flips in alignment padding between sections are harmless.
    if (r)
      CHECK(*r == m);
    else
      llvm::consumeError(r.takeError());
  }
  CHECK(readError({}) ==
        "m.bin: truncated: 0 bytes, shorter than the 64-byte header");
  std::vector<uint8_t> b = good;
  b[0] = 'X';
  CHECK(readError(b) ==
        "m.bin: not a model.bin: the file does not start with RAPIDBIN");
  b = good;
  b[8] = 2;
  fixHeader(b);
  CHECK(readError(b) == "m.bin: format version 2; this rapid reads version 1");
  b = good;
  b[10] = 9;
  fixHeader(b);
  CHECK(readError(b) ==
        "m.bin: ISA version 9; this rapid implements version 1");
  b = good;
  b[16] ^= 1; // the architecture fingerprint, under the header checksum
  CHECK_THAT(readError(b), Catch::StartsWith("m.bin: header checksum ") &&
                               Catch::EndsWith("(corrupted)"));
  b = good;
  b.resize(b.size() + 16);
  CHECK_THAT(readError(b),
             Catch::Contains("the header says " + std::to_string(good.size()) +
                             " bytes but the file has"));

  // Section 1 is core 0's code. An instruction field out of range (a
  // dataflow value the ISA does not define), the checksum fixed up.
  size_t code = size_t(get64(good, 64 + 32 + 8));
  b = good;
  b.back() ^= 0; // keep
  // Append nothing: find the first mac, or write one at instruction 0.
  ModelBinary withMac = m;
  Instruction mac;
  mac.opcode = Opcode::Mac;
  mac.set("inp_prec", 1).set("ker_prec", 1).set("wait", kNoSemaphore);
  mac.set("signal", kNoSemaphore);
  withMac.cores[0].code.insert(withMac.cores[0].code.begin(), mac);
  for (LayerMark &k : withMac.cores[0].marks)
    ++k.pc;
  b = write(withMac);
  code = size_t(get64(b, 64 + 32 + 8));
  b[code + 1] |= 0x3; // dataflow = 3
  fixSection(b, 1);
  CHECK(readError(b) ==
        "m.bin: code of core 0: instruction 0 (byte offset 0): 'mac' field "
        "'dataflow': dataflow value 3 is not defined");
  // Without the fix-up the checksum catches it first.
  b = write(withMac);
  b[code + 1] |= 0x3;
  CHECK_THAT(readError(b), Catch::StartsWith("m.bin: section 1 (code, core "
                                             "0): checksum ") &&
                               Catch::EndsWith("(corrupted)"));
  // A tile index beyond the core's table.
  ModelBinary badTile = withMac;
  badTile.cores[0].code[0].set("tile", 60000);
  llvm::Expected<std::vector<uint8_t>> w = writeModelBinary(badTile);
  REQUIRE_FALSE(bool(w));
  CHECK_THAT(llvm::toString(w.takeError()),
             Catch::Contains("core 0 instruction 0: tile descriptor 60000 but "
                             "the core has"));
  // Addresses beyond 48 bits, and two inputs of one name.
  ModelBinary far = withMac;
  far.constantsAddress = ~uint64_t(0) - 1000;
  w = writeModelBinary(far);
  REQUIRE_FALSE(bool(w));
  CHECK(llvm::toString(w.takeError()) ==
        "cannot write model.bin: the constants extend beyond the 48-bit "
        "address space");
  ModelBinary twice = withMac;
  twice.tensors.push_back(twice.tensors.front());
  w = writeModelBinary(twice);
  REQUIRE_FALSE(bool(w));
  CHECK_THAT(llvm::toString(w.takeError()),
             Catch::EndsWith(": two inputs of this name"));
  // A loop whose body runs past the final halt: both the writer and the
  // reader (with the checksums fixed up) refuse it.
  ModelBinary badLoop = withMac;
  std::vector<Instruction> &code0 = badLoop.cores[0].code;
  Instruction loop;
  loop.opcode = Opcode::Loop;
  loop.set("count", 2).set("body", int64_t(code0.size()));
  code0.insert(code0.begin(), loop);
  w = writeModelBinary(badLoop);
  REQUIRE_FALSE(bool(w));
  std::string why = llvm::toString(w.takeError());
  CHECK_THAT(why,
             Catch::Contains("core 0: instruction 0: the body of 'loop'") &&
                 Catch::Contains("runs past the program's final 'halt'"));
}

TEST_CASE("layer marks name a layer, lie outside loops and increase",
          "[modelbin]") {
  ModelBinary m;
  m.arch = "a";
  m.layers.push_back({"conv1", 100, {1, 2, 3, 4, 5, 6}});
  CoreProgram p;
  Instruction loop, nop, halt;
  loop.opcode = Opcode::Loop;
  loop.set("count", 2).set("body", 1);
  nop.opcode = Opcode::Nop;
  halt.opcode = Opcode::Halt;
  p.code = {nop, loop, nop, halt};
  p.marks = {{0, 0}, {3, 0}};
  m.cores.push_back(p);
  CHECK(checkModelBinary(m).empty());
  CHECK(m.layers[0].predictedTotal() == 21);
  auto why = [&](std::vector<LayerMark> marks) {
    ModelBinary bad = m;
    bad.cores[0].marks = std::move(marks);
    return checkModelBinary(bad);
  };
  CHECK(why({{2, 0}}) == "core 0 layer mark 0: instruction 2 lies in a loop "
                         "body; marks go between loops");
  CHECK(why({{4, 0}}) == "core 0 layer mark 0: instruction 4 is not after the "
                         "previous mark and within the code");
  CHECK(why({{3, 0}, {3, 0}}) == "core 0 layer mark 1: instruction 3 is not "
                                 "after the previous mark and within the code");
  CHECK(why({{0, 1}}) == "core 0 layer mark 0: layer 1 but the model has 1");
  ModelBinary huge = m;
  huge.layers[0].macs = ~uint64_t(0);
  CHECK(checkModelBinary(huge) ==
        "layer 'conv1': 18446744073709551615 MACs exceeds 2^63 - 1");
  ModelBinary neg = m;
  neg.layers[0].predicted[2] = -1;
  CHECK(checkModelBinary(neg) ==
        "layer 'conv1': predicted cycles must be finite and non-negative");
  // The text form: .layer directives, .mark lines before the instruction.
  std::string text = printModelAssembly(m);
  CHECK_THAT(text, Catch::Contains(".layer name=\"conv1\" macs=100 "
                                   "cycles=1,2,3,4,5,6\n"));
  CHECK_THAT(text, Catch::Contains(".mark 0\nnop\nloop"));
  llvm::Expected<ModelBinary> parsed = parseModelAssembly(text, "m.s");
  REQUIRE(bool(parsed));
  CHECK(*parsed == m);
}

TEST_CASE("the model assembler names the line, column and reason",
          "[modelbin]") {
  auto fails = [](llvm::StringRef text) {
    llvm::Expected<ModelBinary> m = parseModelAssembly(text, "m.s");
    REQUIRE_FALSE(bool(m));
    return llvm::toString(m.takeError());
  };
  std::string head = ".model arch=\"a\" fingerprint=0x1 chips=1x1 cores=2\n";
  CHECK(fails(".core 0\n") == "m.s:1:1: expected .model first");
  CHECK(fails(head + "halt\n") ==
        "m.s:2:1: an instruction before any .core directive");
  CHECK(fails(head + ".core 0\nhalt\nloop count=1\n") ==
        "m.s:4:13: 'loop' is missing field 'body'");
  CHECK(fails(head + ".core 5\nhalt\n") ==
        "m.s: core 5: the system has 2 cores");
  CHECK(fails(head + ".core 0\n.dma 1 bits=16 dims=1:0:0\n") ==
        "m.s:3:6: .dma: expected index 0, got '1'");
  CHECK(fails(head + ".core 0\n.dma 0 bits=12 dims=1:0:0\n") ==
        "m.s: core 0 dma descriptor 0: element width 12 bits; expected 1, "
        "2, 4, 8, 16 or 32");
  CHECK(fails(head + ".tensor input name=\"x dtype=fp16\n") ==
        "m.s:2:15: unterminated string");
  CHECK(fails(head + ".tensor input name=x dtype=fp64 shape=1 address=0 "
                     "scale=1 zero_point=0\n") ==
        "m.s:2:22: .tensor: unknown dtype 'fp64'");
  CHECK(fails(head + ".constants address=0 size=4\n.data 0011\n") ==
        "m.s: .constants says 4 bytes but the .data lines hold 2");
  CHECK(fails(head + ".frobnicate\n") ==
        "m.s:2:1: unknown directive '.frobnicate'");
  CHECK(fails(head + ".layer name=c macs=1 cycles=1,2,3\n") ==
        "m.s:2:22: .layer: cycles must be six numbers (mac, under-use, "
        "bubble, visible, non-overlapped, aux), got '1,2,3'");
  CHECK(fails(head + ".mark 0\n") == "m.s:2:1: .mark before any .core "
                                     "directive");
  CHECK(fails(head + ".core 0\n.mark x\nhalt\n") ==
        "m.s:3:7: .mark: expected a layer index, got 'x'");
  CHECK(fails(head + ".region name=r space=l2 offset=0 size=1\n") ==
        "m.s:2:16: .region: space must be ext, lx or l0, got 'l2'");
  CHECK(fails(head + ".tensor input name=x dtype=fp16 shape=1 address=0 "
                     "scale=1e999 zero_point=0\n") ==
        "m.s: tensor 'x': the quantization scale must be a finite number");
  // Any name, control characters included, prints on one line and reads
  // back.
  ModelBinary odd;
  odd.arch = std::string("a\nb\x01\x7f\"\\", 7) + std::string(1, '\0');
  odd.memory.push_back({"tab\there", rapid::MemLevel::Lx, 0, 1});
  std::string text = printModelAssembly(odd);
  CHECK(std::count(text.begin(), text.end(), '\n') ==
        3); // .model, .region, .constants
  llvm::Expected<ModelBinary> back = parseModelAssembly(text, "m.s");
  REQUIRE(bool(back));
  CHECK(*back == odd);
}
