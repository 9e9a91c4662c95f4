//===- ModelBinary.cpp - model.bin: read, write, text form ----------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/ISA/ModelBinary.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <map>
#include <set>

using namespace rapid::isa;
using llvm::StringRef;

namespace {
constexpr unsigned kHeaderBytes = 64;
constexpr unsigned kSectionEntryBytes = 32;
constexpr unsigned kDmaRecordBytes = 8 + kMaxDmaRank * 24;
constexpr unsigned kTileRecordBytes = kTileDims * 4 + 3 * kTileDims * 4;
constexpr unsigned kRegionRecordBytes = 32;
constexpr unsigned kTensorRecordBytes = 16 + kMaxTensorRank * 8 + 8;
constexpr unsigned kLayerRecordBytes = 16 + kCycleTerms * 8;
constexpr unsigned kMarkRecordBytes = 8;

enum class Section : uint32_t {
  Code = 1,
  Dma = 2,
  Tiles = 3,
  Constants = 4,
  Memory = 5,
  Tensors = 6,
  Strings = 7,
  Arch = 8,
  Layers = 9,
  Marks = 10,
};

const char *sectionName(uint32_t kind) {
  switch (Section(kind)) {
  case Section::Code:
    return "code";
  case Section::Dma:
    return "dma descriptors";
  case Section::Tiles:
    return "tile descriptors";
  case Section::Constants:
    return "constants";
  case Section::Memory:
    return "memory map";
  case Section::Tensors:
    return "tensors";
  case Section::Strings:
    return "strings";
  case Section::Arch:
    return "architecture";
  case Section::Layers:
    return "layers";
  case Section::Marks:
    return "layer marks";
  }
  return nullptr;
}

bool perCore(Section s) {
  return s == Section::Code || s == Section::Dma || s == Section::Tiles ||
         s == Section::Marks;
}

llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message.str());
}

/// Little-endian output.
struct Writer {
  std::vector<uint8_t> bytes;
  template <typename T> void put(T v) {
    using U = std::make_unsigned_t<T>;
    U u;
    std::memcpy(&u, &v, sizeof(T));
    for (unsigned i = 0; i < sizeof(T); ++i)
      bytes.push_back(uint8_t(u >> (8 * i)));
  }
  void putF32(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    put(u);
  }
  void pad(size_t alignment) {
    while (bytes.size() % alignment)
      bytes.push_back(0);
  }
};

/// Little-endian input over a bounded range.
struct Reader {
  llvm::ArrayRef<uint8_t> bytes;
  size_t at = 0;
  template <typename T> T get() {
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (unsigned i = 0; i < sizeof(T); ++i)
      u |= U(bytes[at + i]) << (8 * i);
    at += sizeof(T);
    T v;
    std::memcpy(&v, &u, sizeof(T));
    return v;
  }
  float getF32() {
    uint32_t u = get<uint32_t>();
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Checking and writing
//===----------------------------------------------------------------------===//

static bool validElementBits(unsigned bits) {
  return bits == 1 || bits == 2 || bits == 4 || bits == 8 || bits == 16 ||
         bits == 32;
}

std::string rapid::isa::checkModelBinary(const ModelBinary &m) {
  if (m.chipsX < 1 || m.chipsY < 1 || m.coresPerChip < 1)
    return "the system needs at least one chip and one core";
  uint64_t cores = uint64_t(m.chipsX) * m.chipsY * m.coresPerChip;
  std::set<uint32_t> seen;
  for (const CoreProgram &c : m.cores) {
    std::string where = "core " + std::to_string(c.core);
    if (c.core >= cores)
      return where + ": the system has " + std::to_string(cores) + " cores";
    if (!seen.insert(c.core).second)
      return where + ": two programs";
    for (size_t i = 0; i < c.dma.size(); ++i) {
      const DmaDescriptor &d = c.dma[i];
      std::string w = where + " dma descriptor " + std::to_string(i);
      if (!validElementBits(d.elementBits))
        return w + ": element width " + std::to_string(d.elementBits) +
               " bits; expected 1, 2, 4, 8, 16 or 32";
      if (d.dims.empty() || d.dims.size() > kMaxDmaRank)
        return w + ": rank " + std::to_string(d.dims.size()) +
               "; expected 1 to 4";
      // The strided span stays within the 48-bit address space, so that no
      // address computation overflows.
      double span = 0;
      for (const DmaDescriptor::Dim &dim : d.dims) {
        if (dim.count == 0)
          return w + ": a dimension of count 0";
        span += double(dim.count - 1) * (std::fabs(double(dim.srcStride)) +
                                         std::fabs(double(dim.dstStride)));
      }
      if (span >= double(kAddressLimit))
        return w + ": its strides span beyond the 48-bit address space";
    }
    for (size_t i = 0; i < c.tiles.size(); ++i)
      for (uint32_t p : c.tiles[i].p)
        if (p == 0)
          return where + " tile descriptor " + std::to_string(i) +
                 ": a tile extent of 0";
    for (size_t i = 0; i < c.code.size(); ++i) {
      const Instruction &inst = c.code[i];
      if (!lookup(inst.opcode))
        return where + " instruction " + std::to_string(i) + ": unknown opcode";
      if (inst.opcode == Opcode::Dma &&
          uint64_t(inst.get("desc")) >= c.dma.size())
        return where + " instruction " + std::to_string(i) +
               ": dma descriptor " + std::to_string(inst.get("desc")) +
               " but the core has " + std::to_string(c.dma.size());
      if (inst.opcode == Opcode::Mac &&
          uint64_t(inst.get("tile")) >= c.tiles.size())
        return where + " instruction " + std::to_string(i) +
               ": tile descriptor " + std::to_string(inst.get("tile")) +
               " but the core has " + std::to_string(c.tiles.size());
    }
    if (std::string why = checkProgramStructure(c.code); !why.empty())
      return where + ": " + why;
    // Loop depth per instruction: marks lie outside loops.
    std::vector<size_t> ends;
    std::vector<bool> inLoop(c.code.size(), false);
    for (size_t i = 0; i < c.code.size(); ++i) {
      while (!ends.empty() && ends.back() <= i)
        ends.pop_back();
      inLoop[i] = !ends.empty();
      if (c.code[i].opcode == Opcode::Loop)
        ends.push_back(i + 1 + size_t(c.code[i].get("body")));
    }
    for (size_t i = 0; i < c.marks.size(); ++i) {
      const LayerMark &k = c.marks[i];
      std::string w = where + " layer mark " + std::to_string(i);
      if (k.layer >= m.layers.size())
        return w + ": layer " + std::to_string(k.layer) +
               " but the model has " + std::to_string(m.layers.size());
      if (k.pc >= c.code.size() || (i && k.pc <= c.marks[i - 1].pc))
        return w + ": instruction " + std::to_string(k.pc) +
               " is not after the previous mark and within the code";
      if (inLoop[k.pc])
        return w + ": instruction " + std::to_string(k.pc) +
               " lies in a loop body; marks go between loops";
    }
  }
  for (const LayerInfo &l : m.layers) {
    if (l.name.find('\0') != std::string::npos)
      return "layer '" + l.name + "': a NUL in the name";
    if (l.macs > uint64_t(INT64_MAX))
      return "layer '" + l.name + "': " + std::to_string(l.macs) +
             " MACs exceeds 2^63 - 1";
    for (double c : l.predicted)
      if (!std::isfinite(c) || c < 0)
        return "layer '" + l.name +
               "': predicted cycles must be finite and non-negative";
  }
  for (const MemoryRegion &r : m.memory) {
    if (r.name.find('\0') != std::string::npos || !isMemorySpace(r.space))
      return "memory region '" + r.name + "': bad name or space";
    if (r.offset >= kAddressLimit || r.size >= kAddressLimit - r.offset)
      return "memory region '" + r.name +
             "': it extends beyond the 48-bit address space";
  }
  if (m.constantsAddress >= kAddressLimit ||
      m.constants.size() >= kAddressLimit - m.constantsAddress)
    return "the constants extend beyond the 48-bit address space";
  std::set<std::pair<bool, std::string>> names;
  for (const TensorDescriptor &t : m.tensors) {
    std::string w = "tensor '" + t.name + "'";
    if (!names.insert({t.output, t.name}).second)
      return w + ": two " + (t.output ? "outputs" : "inputs") + " of this name";
    double bytes = std::max(
        1.0,
        double(storageBits(Precision(std::min<unsigned>(t.dtype, 9)))) / 8);
    for (uint64_t d : t.shape)
      bytes *= double(d);
    if (t.address >= kAddressLimit ||
        bytes >= double(kAddressLimit - t.address))
      return w + ": it extends beyond the 48-bit address space";
    if (t.name.find('\0') != std::string::npos)
      return w + ": a NUL in the name";
    if (t.shape.size() > kMaxTensorRank)
      return w + ": rank " + std::to_string(t.shape.size()) + " exceeds 8";
    if (t.dtype >= rapid::spellings<rapid::Precision>().size())
      return w + ": dtype " + std::to_string(t.dtype) + " is not a precision";
    if (!std::isfinite(t.scale))
      return w + ": the quantization scale must be a finite number";
  }
  return {};
}

llvm::Expected<std::vector<uint8_t>>
rapid::isa::writeModelBinary(const ModelBinary &m) {
  if (std::string why = checkModelBinary(m); !why.empty())
    return fail("cannot write model.bin: " + why);
  // The string table first: names are offsets into it.
  std::string strings;
  std::map<std::string, uint32_t> offsets;
  auto intern = [&](const std::string &s) {
    auto [it, inserted] = offsets.emplace(s, uint32_t(strings.size()));
    if (inserted) {
      strings += s;
      strings += '\0';
    }
    return it->second;
  };
  struct Pending {
    Section kind;
    uint32_t core;
    std::vector<uint8_t> data;
  };
  std::vector<Pending> sections;
  sections.push_back(
      {Section::Arch, ~0u, std::vector<uint8_t>(m.arch.begin(), m.arch.end())});
  for (const CoreProgram &c : m.cores) {
    llvm::Expected<std::vector<uint8_t>> code = encodeProgram(c.code);
    if (!code)
      return fail("cannot write model.bin: core " + std::to_string(c.core) +
                  ": " + llvm::toString(code.takeError()));
    sections.push_back({Section::Code, c.core, std::move(*code)});
    Writer dma;
    for (const DmaDescriptor &d : c.dma) {
      dma.put(uint8_t(d.elementBits));
      dma.put(uint8_t(d.dims.size()));
      dma.put(uint16_t(0));
      dma.put(uint32_t(0));
      for (unsigned i = 0; i < kMaxDmaRank; ++i) {
        DmaDescriptor::Dim dim =
            i < d.dims.size() ? d.dims[i] : DmaDescriptor::Dim{0, 0, 0};
        dma.put(dim.count);
        dma.put(uint32_t(0));
        dma.put(dim.srcStride);
        dma.put(dim.dstStride);
      }
    }
    sections.push_back({Section::Dma, c.core, std::move(dma.bytes)});
    Writer tiles;
    for (const TileDescriptor &t : c.tiles) {
      for (uint32_t p : t.p)
        tiles.put(p);
      for (const auto &operand : t.strides)
        for (int32_t s : operand)
          tiles.put(s);
    }
    sections.push_back({Section::Tiles, c.core, std::move(tiles.bytes)});
    if (!c.marks.empty()) {
      Writer marks;
      for (const LayerMark &k : c.marks) {
        marks.put(k.pc);
        marks.put(k.layer);
      }
      sections.push_back({Section::Marks, c.core, std::move(marks.bytes)});
    }
  }
  if (!m.layers.empty()) {
    Writer layers;
    for (const LayerInfo &l : m.layers) {
      layers.put(intern(l.name));
      layers.put(uint32_t(0));
      layers.put(l.macs);
      for (double c : l.predicted) {
        uint64_t bits;
        std::memcpy(&bits, &c, 8);
        layers.put(bits);
      }
    }
    sections.push_back({Section::Layers, ~0u, std::move(layers.bytes)});
  }
  sections.push_back({Section::Constants, ~0u, m.constants});
  Writer memory;
  for (const MemoryRegion &r : m.memory) {
    memory.put(intern(r.name));
    memory.put(uint8_t(r.space));
    memory.put(uint8_t(0));
    memory.put(uint16_t(0));
    memory.put(r.offset);
    memory.put(r.size);
    memory.put(r.firstStep);
    memory.put(r.lastStep);
  }
  sections.push_back({Section::Memory, ~0u, std::move(memory.bytes)});
  Writer tensors;
  for (const TensorDescriptor &t : m.tensors) {
    tensors.put(intern(t.name));
    tensors.put(uint8_t(t.output));
    tensors.put(t.dtype);
    tensors.put(uint8_t(t.shape.size()));
    tensors.put(uint8_t(0));
    tensors.put(t.address);
    for (unsigned i = 0; i < kMaxTensorRank; ++i)
      tensors.put(uint64_t(i < t.shape.size() ? t.shape[i] : 0));
    tensors.putF32(t.scale);
    tensors.put(t.zeroPoint);
  }
  sections.push_back({Section::Tensors, ~0u, std::move(tensors.bytes)});
  sections.push_back({Section::Strings, ~0u,
                      std::vector<uint8_t>(strings.begin(), strings.end())});

  // Layout: header, section table, then each section 16-byte aligned.
  size_t at = kHeaderBytes + sections.size() * kSectionEntryBytes;
  std::vector<uint64_t> where;
  for (const Pending &s : sections) {
    at = (at + 15) / 16 * 16;
    where.push_back(at);
    at += s.data.size();
  }
  size_t fileSize = (at + 15) / 16 * 16;
  Writer w;
  for (char c : kModelMagic)
    w.put(uint8_t(c));
  w.put(uint16_t(kModelFormatVersion));
  w.put(uint16_t(kVersion));
  w.put(uint32_t(kHeaderBytes));
  w.put(m.archFingerprint);
  w.put(m.chipsX);
  w.put(m.chipsY);
  w.put(m.coresPerChip);
  w.put(uint32_t(sections.size()));
  w.put(uint64_t(fileSize));
  w.put(m.constantsAddress);
  // The section table, checksummed in the header (which has its own).
  Writer table;
  for (size_t i = 0; i < sections.size(); ++i) {
    table.put(uint32_t(sections[i].kind));
    table.put(sections[i].core);
    table.put(where[i]);
    table.put(uint64_t(sections[i].data.size()));
    table.put(llvm::crc32(sections[i].data));
    table.put(uint32_t(0));
  }
  w.put(llvm::crc32(table.bytes));
  w.put(llvm::crc32(w.bytes));
  w.bytes.insert(w.bytes.end(), table.bytes.begin(), table.bytes.end());
  for (size_t i = 0; i < sections.size(); ++i) {
    w.pad(16);
    w.bytes.insert(w.bytes.end(), sections[i].data.begin(),
                   sections[i].data.end());
  }
  w.pad(16);
  return std::move(w.bytes);
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

llvm::Expected<ModelBinary>
rapid::isa::readModelBinary(llvm::ArrayRef<uint8_t> bytes, StringRef source) {
  auto error = [&](const llvm::Twine &message) {
    return fail(source + ": " + message);
  };
  if (bytes.size() < kHeaderBytes)
    return error(llvm::formatv("truncated: {0} bytes, shorter than the "
                               "{1}-byte header",
                               bytes.size(), kHeaderBytes));
  if (std::memcmp(bytes.data(), kModelMagic, 8) != 0)
    return error("not a model.bin: the file does not start with RAPIDBIN");
  Reader h{bytes.take_front(kHeaderBytes), 8};
  uint16_t format = h.get<uint16_t>(), isaVersion = h.get<uint16_t>();
  uint32_t headerSize = h.get<uint32_t>();
  ModelBinary m;
  m.archFingerprint = h.get<uint64_t>();
  m.chipsX = h.get<uint32_t>();
  m.chipsY = h.get<uint32_t>();
  m.coresPerChip = h.get<uint32_t>();
  uint32_t count = h.get<uint32_t>();
  uint64_t fileSize = h.get<uint64_t>();
  m.constantsAddress = h.get<uint64_t>();
  uint32_t tableCrc = h.get<uint32_t>();
  uint32_t crc = h.get<uint32_t>();
  if (format != kModelFormatVersion)
    return error(llvm::formatv("format version {0}; this rapid reads "
                               "version {1}",
                               format, kModelFormatVersion));
  if (isaVersion != kVersion)
    return error(llvm::formatv("ISA version {0}; this rapid implements "
                               "version {1}",
                               isaVersion, kVersion));
  uint32_t actual = llvm::crc32(bytes.take_front(kHeaderBytes - 4));
  if (crc != actual)
    return error(llvm::formatv("header checksum {0:x8} does not match the "
                               "stored {1:x8} (corrupted)",
                               actual, crc));
  if (headerSize != kHeaderBytes)
    return error("malformed header");
  if (fileSize != bytes.size())
    return error(llvm::formatv("the header says {0} bytes but the file has "
                               "{1} (truncated or extended)",
                               fileSize, bytes.size()));
  if (m.chipsX < 1 || m.chipsY < 1 || m.coresPerChip < 1)
    return error("the system needs at least one chip and one core");
  uint64_t cores = uint64_t(m.chipsX) * m.chipsY * m.coresPerChip;
  if (uint64_t(count) * kSectionEntryBytes > bytes.size() - kHeaderBytes)
    return error(llvm::formatv("{0} sections do not fit the file", count));
  uint32_t tableActual = llvm::crc32(
      bytes.slice(kHeaderBytes, size_t(count) * kSectionEntryBytes));
  if (tableActual != tableCrc)
    return error(llvm::formatv("section table checksum {0:x8} does not "
                               "match the stored {1:x8} (corrupted)",
                               tableActual, tableCrc));

  struct Entry {
    Section kind;
    uint32_t core;
    llvm::ArrayRef<uint8_t> data;
  };
  std::vector<Entry> entries;
  std::set<std::pair<uint32_t, uint32_t>> seen;
  Reader t{bytes, kHeaderBytes};
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t kind = t.get<uint32_t>(), core = t.get<uint32_t>();
    uint64_t offset = t.get<uint64_t>(), size = t.get<uint64_t>();
    uint32_t sum = t.get<uint32_t>(), zero = t.get<uint32_t>();
    const char *name = sectionName(kind);
    std::string what = llvm::formatv("section {0}", i);
    if (!name)
      return error(what + llvm::formatv(": unknown kind {0}", kind));
    what += llvm::formatv(" ({0}", name);
    if (perCore(Section(kind)))
      what += llvm::formatv(", core {0}", core);
    what += ")";
    if (zero != 0)
      return error(what + ": malformed entry");
    if (perCore(Section(kind)) ? core >= cores : core != ~0u)
      return error(what + llvm::formatv(": core {0} is not in the {1}-core "
                                        "system",
                                        core, cores));
    if (offset > bytes.size() || size > bytes.size() - offset)
      return error(what + llvm::formatv(": bytes [{0}, +{1}) lie outside the "
                                        "{2}-byte file (truncated?)",
                                        offset, size, bytes.size()));
    if (!seen.insert({kind, core}).second)
      return error(what + ": appears twice");
    llvm::ArrayRef<uint8_t> data = bytes.slice(offset, size);
    uint32_t computed = llvm::crc32(data);
    if (computed != sum)
      return error(what + llvm::formatv(": checksum {0:x8} does not match "
                                        "the stored {1:x8} (corrupted)",
                                        computed, sum));
    entries.push_back({Section(kind), core, data});
  }

  // The strings first: other sections refer to them.
  llvm::ArrayRef<uint8_t> strings;
  for (const Entry &e : entries)
    if (e.kind == Section::Strings)
      strings = e.data;
  auto stringAt = [&](uint32_t offset, std::string &out) {
    if (offset >= strings.size())
      return false;
    const uint8_t *begin = strings.data() + offset;
    const void *end = std::memchr(begin, 0, strings.size() - offset);
    if (!end)
      return false;
    out.assign(reinterpret_cast<const char *>(begin),
               static_cast<const uint8_t *>(end) - begin);
    return true;
  };
  std::map<uint32_t, CoreProgram> programs;
  for (const Entry &e : entries) {
    std::string what = sectionName(uint32_t(e.kind));
    if (perCore(e.kind))
      what += " of core " + std::to_string(e.core);
    auto records = [&](unsigned size) -> llvm::Error {
      if (e.data.size() % size)
        return error(what + llvm::formatv(": {0} bytes, not a multiple of "
                                          "its {1}-byte records",
                                          e.data.size(), size));
      return llvm::Error::success();
    };
    Reader r{e.data, 0};
    switch (e.kind) {
    case Section::Arch:
      m.arch.assign(e.data.begin(), e.data.end());
      break;
    case Section::Strings:
      break;
    case Section::Code: {
      llvm::Expected<std::vector<Instruction>> code = decodeProgram(e.data);
      if (!code)
        return error(what + ": " + llvm::toString(code.takeError()));
      programs[e.core].core = e.core;
      programs[e.core].code = std::move(*code);
      break;
    }
    case Section::Dma: {
      if (llvm::Error err = records(kDmaRecordBytes))
        return std::move(err);
      std::vector<DmaDescriptor> &out = programs[e.core].dma;
      programs[e.core].core = e.core;
      while (r.at < e.data.size()) {
        DmaDescriptor d;
        d.elementBits = r.get<uint8_t>();
        unsigned rank = r.get<uint8_t>();
        bool bad = r.get<uint16_t>() != 0 || r.get<uint32_t>() != 0 ||
                   !validElementBits(d.elementBits) || rank < 1 ||
                   rank > kMaxDmaRank;
        for (unsigned i = 0; i < kMaxDmaRank; ++i) {
          DmaDescriptor::Dim dim;
          dim.count = r.get<uint32_t>();
          bad |= r.get<uint32_t>() != 0;
          dim.srcStride = r.get<int64_t>();
          dim.dstStride = r.get<int64_t>();
          if (i < rank) {
            bad |= dim.count == 0;
            d.dims.push_back(dim);
          } else {
            bad |= dim.count != 0 || dim.srcStride != 0 || dim.dstStride != 0;
          }
        }
        if (bad)
          return error(what + llvm::formatv(": descriptor {0} is malformed "
                                            "(element width, rank 1-4, "
                                            "counts >= 1, zero padding)",
                                            out.size()));
        out.push_back(d);
      }
      break;
    }
    case Section::Tiles: {
      if (llvm::Error err = records(kTileRecordBytes))
        return std::move(err);
      std::vector<TileDescriptor> &out = programs[e.core].tiles;
      programs[e.core].core = e.core;
      while (r.at < e.data.size()) {
        TileDescriptor t;
        bool bad = false;
        for (uint32_t &p : t.p) {
          p = r.get<uint32_t>();
          bad |= p == 0;
        }
        for (auto &operand : t.strides)
          for (int32_t &s : operand)
            s = r.get<int32_t>();
        if (bad)
          return error(what + llvm::formatv(": tile descriptor {0} has an "
                                            "extent of 0",
                                            out.size()));
        out.push_back(t);
      }
      break;
    }
    case Section::Constants:
      m.constants.assign(e.data.begin(), e.data.end());
      break;
    case Section::Marks: {
      if (llvm::Error err = records(kMarkRecordBytes))
        return std::move(err);
      programs[e.core].core = e.core;
      while (r.at < e.data.size()) {
        LayerMark k;
        k.pc = r.get<uint32_t>();
        k.layer = r.get<uint32_t>();
        programs[e.core].marks.push_back(k);
      }
      break;
    }
    case Section::Layers: {
      if (llvm::Error err = records(kLayerRecordBytes))
        return std::move(err);
      while (r.at < e.data.size()) {
        LayerInfo l;
        uint32_t name = r.get<uint32_t>();
        bool bad = r.get<uint32_t>() != 0 || !stringAt(name, l.name);
        l.macs = r.get<uint64_t>();
        for (double &c : l.predicted) {
          uint64_t bits = r.get<uint64_t>();
          std::memcpy(&c, &bits, 8);
        }
        if (bad)
          return error(what + llvm::formatv(": layer {0} is malformed (name, "
                                            "padding)",
                                            m.layers.size()));
        m.layers.push_back(l);
      }
      break;
    }
    case Section::Memory: {
      if (llvm::Error err = records(kRegionRecordBytes))
        return std::move(err);
      while (r.at < e.data.size()) {
        MemoryRegion reg;
        uint32_t name = r.get<uint32_t>();
        uint8_t space = r.get<uint8_t>();
        bool bad = r.get<uint8_t>() != 0 || r.get<uint16_t>() != 0 ||
                   !isMemorySpace(MemLevel(space)) || !stringAt(name, reg.name);
        reg.space = MemLevel(space);
        reg.offset = r.get<uint64_t>();
        reg.size = r.get<uint64_t>();
        reg.firstStep = r.get<uint32_t>();
        reg.lastStep = r.get<uint32_t>();
        bad |= reg.firstStep > reg.lastStep;
        if (bad)
          return error(what + llvm::formatv(": region {0} is malformed "
                                            "(name, space, padding, live "
                                            "steps)",
                                            m.memory.size()));
        m.memory.push_back(reg);
      }
      break;
    }
    case Section::Tensors: {
      if (llvm::Error err = records(kTensorRecordBytes))
        return std::move(err);
      while (r.at < e.data.size()) {
        TensorDescriptor tensor;
        uint32_t name = r.get<uint32_t>();
        uint8_t output = r.get<uint8_t>();
        tensor.dtype = r.get<uint8_t>();
        unsigned rank = r.get<uint8_t>();
        bool bad =
            r.get<uint8_t>() != 0 || output > 1 ||
            tensor.dtype >= rapid::spellings<rapid::Precision>().size() ||
            rank > kMaxTensorRank || !stringAt(name, tensor.name);
        tensor.output = output;
        tensor.address = r.get<uint64_t>();
        for (unsigned i = 0; i < kMaxTensorRank; ++i) {
          uint64_t d = r.get<uint64_t>();
          if (i < rank)
            tensor.shape.push_back(d);
          else
            bad |= d != 0;
        }
        tensor.scale = r.getF32();
        tensor.zeroPoint = r.get<int32_t>();
        if (bad)
          return error(what + llvm::formatv(": tensor {0} is malformed "
                                            "(name, role, dtype, rank <= 8, "
                                            "padding)",
                                            m.tensors.size()));
        m.tensors.push_back(tensor);
      }
      break;
    }
    }
  }
  for (auto &[core, program] : programs)
    m.cores.push_back(std::move(program));
  if (std::string why = checkModelBinary(m); !why.empty())
    return error(why);
  return m;
}

//===----------------------------------------------------------------------===//
// Text form
//===----------------------------------------------------------------------===//

/// A double-quoted string: `"` and `\` escaped with a backslash, control
/// characters as \xHH, so that any name fits on one line and reads back.
static std::string quote(StringRef s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += llvm::formatv("\\x{0:x-2}", unsigned(u)).str();
      continue;
    }
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string rapid::isa::printModelAssembly(const ModelBinary &m) {
  std::string out;
  llvm::raw_string_ostream os(out);
  auto precision = [](uint8_t v) -> std::string {
    auto values = enumValues(FieldKind::Precision);
    return v < values.size() ? values[v].first.str() : std::to_string(v);
  };
  os << llvm::formatv(".model arch={0} fingerprint={1:x16} chips={2}x{3} "
                      "cores={4}\n",
                      quote(m.arch), m.archFingerprint, m.chipsX, m.chipsY,
                      m.coresPerChip);
  for (const MemoryRegion &r : m.memory)
    os << llvm::formatv(".region name={0} space={1} offset={2} size={3} "
                        "live={4}-{5}\n",
                        quote(r.name), rapid::stringify(r.space), r.offset,
                        r.size, r.firstStep, r.lastStep);
  for (const TensorDescriptor &t : m.tensors) {
    std::string shape;
    for (uint64_t d : t.shape)
      shape += (shape.empty() ? "" : "x") + std::to_string(d);
    os << llvm::formatv(".tensor {0} name={1} dtype={2} shape={3} "
                        "address={4} scale={5} zero_point={6}\n",
                        t.output ? "output" : "input", quote(t.name),
                        precision(t.dtype), shape.empty() ? "scalar" : shape,
                        t.address, llvm::formatv("{0:e9}", t.scale).str(),
                        t.zeroPoint);
  }
  for (const LayerInfo &l : m.layers) {
    os << ".layer name=" << quote(l.name) << " macs=" << l.macs << " cycles=";
    for (unsigned i = 0; i < kCycleTerms; ++i)
      os << (i ? "," : "") << llvm::format("%.17g", l.predicted[i]);
    os << "\n";
  }
  os << llvm::formatv(".constants address={0} size={1}\n", m.constantsAddress,
                      m.constants.size());
  for (size_t i = 0; i < m.constants.size(); i += 32)
    os << ".data "
       << llvm::toHex(
              llvm::ArrayRef<uint8_t>(m.constants)
                  .slice(i, std::min<size_t>(32, m.constants.size() - i)),
              /*LowerCase=*/true)
       << "\n";
  for (const CoreProgram &c : m.cores) {
    os << ".core " << c.core << "\n";
    for (size_t i = 0; i < c.dma.size(); ++i) {
      os << ".dma " << i << " bits=" << c.dma[i].elementBits << " dims=";
      for (size_t d = 0; d < c.dma[i].dims.size(); ++d)
        os << (d ? "," : "") << c.dma[i].dims[d].count << ":"
           << c.dma[i].dims[d].srcStride << ":" << c.dma[i].dims[d].dstStride;
      os << "\n";
    }
    for (size_t i = 0; i < c.tiles.size(); ++i) {
      const TileDescriptor &t = c.tiles[i];
      os << ".tile " << i << " p=" << t.p[0];
      for (unsigned d = 1; d < kTileDims; ++d)
        os << "x" << t.p[d];
      const char *names[] = {"inp", "ker", "out"};
      for (unsigned o = 0; o < 3; ++o) {
        os << " " << names[o] << "=";
        for (unsigned d = 0; d < kTileDims; ++d)
          os << (d ? "," : "") << t.strides[o][d];
      }
      os << "\n";
    }
    // Loop bodies are indented two spaces per level (the assembler ignores
    // leading space).
    std::vector<size_t> ends;
    size_t mark = 0;
    for (size_t i = 0; i < c.code.size(); ++i) {
      while (!ends.empty() && ends.back() <= i)
        ends.pop_back();
      for (; mark < c.marks.size() && c.marks[mark].pc == i; ++mark)
        os << std::string(2 * ends.size(), ' ') << ".mark "
           << c.marks[mark].layer << "\n";
      os << std::string(2 * ends.size(), ' ') << disassemble(c.code[i]) << "\n";
      if (c.code[i].opcode == Opcode::Loop)
        ends.push_back(i + 1 + size_t(c.code[i].get("body")));
    }
  }
  return out;
}

namespace {
/// One directive line split into its words (quoted strings kept whole) and
/// their columns.
struct Words {
  std::vector<std::pair<std::string, size_t>> items;
  std::string error;
  size_t errorColumn = 0;
};

Words splitWords(StringRef line) {
  Words w;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t') {
      ++i;
      continue;
    }
    size_t start = i;
    std::string word;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      if (line[i] == '"') {
        ++i;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 3 < line.size() && line[i + 1] == 'x' &&
              llvm::isHexDigit(line[i + 2]) && llvm::isHexDigit(line[i + 3])) {
            word += char(llvm::hexFromNibbles(line[i + 2], line[i + 3]));
            i += 4;
            continue;
          }
          if (line[i] == '\\' && i + 1 < line.size())
            ++i;
          word += line[i++];
        }
        if (i == line.size()) {
          w.error = "unterminated string";
          w.errorColumn = start + 1;
          return w;
        }
        ++i;
        continue;
      }
      word += line[i++];
    }
    w.items.push_back({word, start + 1});
  }
  return w;
}

/// Decimal, or hexadecimal after 0x (no octal guesses), as in the
/// instruction text.
bool parseUnsigned(StringRef s, uint64_t &v) {
  unsigned radix = s.consume_front_insensitive("0x") ? 16 : 10;
  return !s.empty() && !s.starts_with("-") && !s.starts_with("+") &&
         !s.getAsInteger(radix, v);
}
bool parseSigned(StringRef s, int64_t &v) {
  bool negative = s.consume_front("-");
  uint64_t u;
  if (!parseUnsigned(s, u) || u > uint64_t(INT64_MAX) + (negative ? 1 : 0))
    return false;
  v = negative ? int64_t(0 - u) : int64_t(u);
  return true;
}
} // namespace

llvm::Expected<ModelBinary> rapid::isa::parseModelAssembly(StringRef text,
                                                           StringRef source) {
  ModelBinary m;
  bool haveModel = false;
  CoreProgram *core = nullptr;
  std::vector<std::string> codeLines;
  unsigned lineNo = 0;
  uint64_t constantsSize = 0;
  for (StringRef rest = text; !rest.empty();) {
    auto [raw, next] = rest.split('\n');
    rest = next;
    ++lineNo;
    StringRef line = raw.rtrim("\r");
    auto error = [&](size_t column, const llvm::Twine &message) {
      return fail(llvm::formatv("{0}:{1}:{2}: ", source, lineNo, column) +
                  message);
    };
    StringRef trimmed = line.trim();
    if (trimmed.empty() || trimmed.starts_with("#") ||
        trimmed.starts_with("//"))
      continue;
    if (!trimmed.starts_with(".")) {
      if (!core)
        return error(1, "an instruction before any .core directive");
      Instruction inst;
      if (std::optional<AsmError> e =
              parseInstruction(stripComment(line).rtrim(), inst))
        return error(e->column, e->message);
      core->code.push_back(inst);
      continue;
    }
    Words words = splitWords(line);
    if (!words.error.empty())
      return error(words.errorColumn, words.error);
    std::string directive = words.items[0].first;
    // key=value arguments after the directive (and its positional word).
    std::map<std::string, std::pair<std::string, size_t>> args;
    size_t firstArg = directive == ".tensor" || directive == ".dma" ||
                              directive == ".tile" || directive == ".core" ||
                              directive == ".data" || directive == ".mark"
                          ? 2
                          : 1;
    if (words.items.size() < firstArg)
      return error(line.size() + 1, directive + ": missing operand");
    for (size_t i = firstArg; i < words.items.size(); ++i) {
      StringRef item = words.items[i].first;
      auto [key, value] = item.split('=');
      if (!item.contains('='))
        return error(words.items[i].second,
                     "expected key=value, got '" + item + "'");
      if (!args.emplace(key.str(),
                        std::make_pair(value.str(), words.items[i].second))
               .second)
        return error(words.items[i].second, "'" + key + "' given twice");
    }
    auto take = [&](const std::string &key,
                    std::string &value) -> std::optional<llvm::Error> {
      auto it = args.find(key);
      if (it == args.end())
        return error(line.size() + 1, directive + ": missing '" + key + "='");
      value = it->second.first;
      args.erase(it);
      return std::nullopt;
    };
    auto column = [&](const std::string &key) {
      auto it = args.find(key);
      return it == args.end() ? size_t(1) : it->second.second;
    };
    auto number = [&](const std::string &key,
                      uint64_t &v) -> std::optional<llvm::Error> {
      size_t col = column(key);
      std::string s;
      if (auto e = take(key, s))
        return e;
      if (!parseUnsigned(s, v))
        return error(col, directive + ": '" + key +
                              "' must be an unsigned integer, got '" + s + "'");
      return std::nullopt;
    };
    auto leftover = [&]() -> std::optional<llvm::Error> {
      if (!args.empty())
        return error(args.begin()->second.second,
                     directive + ": unknown key '" + args.begin()->first + "'");
      return std::nullopt;
    };
    uint64_t v;
    if (directive == ".model") {
      std::string chips;
      uint64_t fp, cores;
      size_t chipsCol = column("chips");
      if (auto e = take("arch", m.arch))
        return std::move(*e);
      if (auto e = number("fingerprint", fp))
        return std::move(*e);
      if (auto e = take("chips", chips))
        return std::move(*e);
      if (auto e = number("cores", cores))
        return std::move(*e);
      if (auto e = leftover())
        return std::move(*e);
      auto [x, y] = StringRef(chips).split('x');
      uint64_t cx, cy;
      if (!parseUnsigned(x, cx) || !parseUnsigned(y, cy) || cx == 0 ||
          cy == 0 || cx > UINT32_MAX || cy > UINT32_MAX)
        return error(chipsCol,
                     ".model: chips must be XxY, got '" + chips + "'");
      if (cores == 0 || cores > UINT32_MAX)
        return error(1, ".model: cores must be >= 1");
      m.archFingerprint = fp;
      m.chipsX = uint32_t(cx);
      m.chipsY = uint32_t(cy);
      m.coresPerChip = uint32_t(cores);
      haveModel = true;
    } else if (!haveModel) {
      return error(1, "expected .model first");
    } else if (directive == ".region") {
      MemoryRegion r;
      std::string space;
      size_t spaceCol = column("space");
      if (auto e = take("name", r.name))
        return std::move(*e);
      if (auto e = take("space", space))
        return std::move(*e);
      if (auto e = number("offset", r.offset))
        return std::move(*e);
      if (auto e = number("size", r.size))
        return std::move(*e);
      // live=FIRST-LAST is optional: a hand-written region is live
      // throughout.
      size_t liveCol = column("live");
      std::string live = "0-4294967295";
      if (args.count("live"))
        if (auto e = take("live", live))
          return std::move(*e);
      {
        auto [first, last] = llvm::StringRef(live).split('-');
        if (first.getAsInteger(10, r.firstStep) ||
            last.getAsInteger(10, r.lastStep) || r.firstStep > r.lastStep)
          return error(liveCol, ".region: live must be FIRST-LAST steps "
                                "with FIRST <= LAST, got '" +
                                    live + "'");
      }
      if (auto e = leftover())
        return std::move(*e);
      std::optional<MemLevel> level = rapid::symbolize<MemLevel>(space);
      if (level && isMemorySpace(*level))
        r.space = *level;
      else
        return error(spaceCol, ".region: space must be ext, lx or l0, got '" +
                                   space + "'");
      m.memory.push_back(r);
    } else if (directive == ".tensor") {
      TensorDescriptor t;
      const std::string &role = words.items[1].first;
      if (role != "input" && role != "output")
        return error(words.items[1].second,
                     ".tensor: expected input or output, got '" + role + "'");
      t.output = role == "output";
      std::string dtype, shape, scale, zero;
      size_t dtypeCol = column("dtype"), shapeCol = column("shape"),
             scaleCol = column("scale"), zeroCol = column("zero_point");
      if (auto e = take("name", t.name))
        return std::move(*e);
      if (auto e = take("dtype", dtype))
        return std::move(*e);
      if (auto e = take("shape", shape))
        return std::move(*e);
      if (auto e = number("address", t.address))
        return std::move(*e);
      if (auto e = take("scale", scale))
        return std::move(*e);
      if (auto e = take("zero_point", zero))
        return std::move(*e);
      if (auto e = leftover())
        return std::move(*e);
      bool found = false;
      for (const auto &[name, value] : enumValues(FieldKind::Precision))
        if (name == dtype) {
          t.dtype = uint8_t(value);
          found = true;
        }
      if (!found)
        return error(dtypeCol, ".tensor: unknown dtype '" + dtype + "'");
      if (shape != "scalar")
        for (StringRef d : llvm::split(StringRef(shape), 'x')) {
          if (!parseUnsigned(d, v))
            return error(shapeCol, ".tensor: shape must be d0xd1x... or "
                                   "scalar, got '" +
                                       shape + "'");
          t.shape.push_back(v);
        }
      double s;
      if (StringRef(scale).getAsDouble(s))
        return error(scaleCol,
                     ".tensor: scale must be a number, got '" + scale + "'");
      t.scale = float(s);
      int64_t z;
      if (!parseSigned(zero, z) || z < INT32_MIN || z > INT32_MAX)
        return error(zeroCol, ".tensor: zero_point must be a 32-bit "
                              "integer, got '" +
                                  zero + "'");
      t.zeroPoint = int32_t(z);
      m.tensors.push_back(t);
    } else if (directive == ".layer") {
      LayerInfo l;
      std::string cycles;
      size_t cyclesCol = column("cycles");
      if (auto e = take("name", l.name))
        return std::move(*e);
      if (auto e = number("macs", l.macs))
        return std::move(*e);
      if (auto e = take("cycles", cycles))
        return std::move(*e);
      if (auto e = leftover())
        return std::move(*e);
      llvm::SmallVector<StringRef, kCycleTerms> parts;
      StringRef(cycles).split(parts, ',');
      bool bad = parts.size() != kCycleTerms;
      for (unsigned i = 0; !bad && i < kCycleTerms; ++i)
        bad = parts[i].getAsDouble(l.predicted[i]);
      if (bad)
        return error(cyclesCol, ".layer: cycles must be six numbers (mac, "
                                "under-use, bubble, visible, non-overlapped, "
                                "aux), got '" +
                                    cycles + "'");
      m.layers.push_back(l);
    } else if (directive == ".mark") {
      if (!core)
        return error(1, ".mark before any .core directive");
      if (words.items.size() != 2 || !parseUnsigned(words.items[1].first, v) ||
          v > UINT32_MAX)
        return error(words.items[1].second,
                     ".mark: expected a layer index, got '" +
                         words.items[1].first + "'");
      core->marks.push_back({uint32_t(core->code.size()), uint32_t(v)});
    } else if (directive == ".constants") {
      if (auto e = number("address", m.constantsAddress))
        return std::move(*e);
      if (auto e = number("size", constantsSize))
        return std::move(*e);
      if (auto e = leftover())
        return std::move(*e);
    } else if (directive == ".data") {
      std::string hex = words.items[1].first;
      std::string data;
      if (words.items.size() != 2 || !llvm::tryGetFromHex(hex, data))
        return error(words.items[1].second,
                     ".data: expected one run of hexadecimal bytes");
      m.constants.insert(m.constants.end(), data.begin(), data.end());
    } else if (directive == ".core") {
      if (words.items.size() != 2 || !parseUnsigned(words.items[1].first, v) ||
          v > UINT32_MAX)
        return error(words.items[1].second,
                     ".core: expected a core number, got '" +
                         words.items[1].first + "'");
      m.cores.emplace_back();
      core = &m.cores.back();
      core->core = uint32_t(v);
    } else if (directive == ".dma" || directive == ".tile") {
      if (!core)
        return error(1, directive + " before any .core directive");
      size_t expected =
          directive == ".dma" ? core->dma.size() : core->tiles.size();
      if (!parseUnsigned(words.items[1].first, v) || v != expected)
        return error(words.items[1].second, directive + ": expected index " +
                                                std::to_string(expected) +
                                                ", got '" +
                                                words.items[1].first + "'");
      if (directive == ".dma") {
        DmaDescriptor d;
        uint64_t bits;
        std::string dims;
        size_t dimsCol = column("dims");
        if (auto e = number("bits", bits))
          return std::move(*e);
        if (auto e = take("dims", dims))
          return std::move(*e);
        if (auto e = leftover())
          return std::move(*e);
        d.elementBits = unsigned(std::min<uint64_t>(bits, 255));
        for (StringRef dim : llvm::split(StringRef(dims), ',')) {
          llvm::SmallVector<StringRef, 3> parts;
          dim.split(parts, ':');
          DmaDescriptor::Dim x;
          uint64_t count;
          if (parts.size() != 3 || !parseUnsigned(parts[0], count) ||
              count > UINT32_MAX || !parseSigned(parts[1], x.srcStride) ||
              !parseSigned(parts[2], x.dstStride))
            return error(dimsCol, ".dma: dims must be count:src_stride:"
                                  "dst_stride,..., got '" +
                                      dims + "'");
          x.count = uint32_t(count);
          d.dims.push_back(x);
        }
        core->dma.push_back(d);
      } else {
        TileDescriptor t;
        std::string p;
        size_t pCol = column("p");
        if (auto e = take("p", p))
          return std::move(*e);
        llvm::SmallVector<StringRef, kTileDims> ps;
        StringRef(p).split(ps, 'x');
        if (ps.size() != kTileDims)
          return error(pCol, ".tile: p must be in x out x oy x ox x mb x ky "
                             "x kx, got '" +
                                 p + "'");
        for (unsigned d = 0; d < kTileDims; ++d) {
          if (!parseUnsigned(ps[d], v) || v > UINT32_MAX)
            return error(pCol, ".tile: p must be seven unsigned integers");
          t.p[d] = uint32_t(v);
        }
        const char *names[] = {"inp", "ker", "out"};
        for (unsigned o = 0; o < 3; ++o) {
          std::string s;
          size_t col = column(names[o]);
          if (auto e = take(names[o], s))
            return std::move(*e);
          llvm::SmallVector<StringRef, kTileDims> parts;
          StringRef(s).split(parts, ',');
          int64_t x;
          if (parts.size() != kTileDims)
            return error(col, ".tile: " + std::string(names[o]) +
                                  " must be seven strides");
          for (unsigned d = 0; d < kTileDims; ++d) {
            if (!parseSigned(parts[d], x) || x < INT32_MIN || x > INT32_MAX)
              return error(col, ".tile: " + std::string(names[o]) +
                                    " must be seven 32-bit integers");
            t.strides[o][d] = int32_t(x);
          }
        }
        if (auto e = leftover())
          return std::move(*e);
        core->tiles.push_back(t);
      }
    } else {
      return error(words.items[0].second,
                   "unknown directive '" + directive + "'");
    }
  }
  if (!haveModel)
    return fail(source + ": no .model directive");
  if (m.constants.size() != constantsSize)
    return fail(source + llvm::formatv(": .constants says {0} bytes but the "
                                       ".data lines hold {1}",
                                       constantsSize, m.constants.size()));
  if (std::string why = checkModelBinary(m); !why.empty())
    return fail(source + ": " + why);
  return m;
}
