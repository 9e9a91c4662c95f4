//===- ArchSpec.cpp - Description of a RaPiD-style machine ----------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Arch/ArchSpec.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <algorithm>
#include <cstdlib>

using namespace rapid;
using llvm::json::Object;
using llvm::json::Value;

namespace {

/// Reads one JSON object, remembering the key path for messages and which
/// keys were read, so that misspelled keys are reported too.
class Reader {
public:
  Reader(const Object &object, std::string path, std::string &error)
      : object(object), path(std::move(path)), error(error) {}

  /// The value of `key`; null when absent, which is an error when the key
  /// is required.
  const Value *find(llvm::StringRef key, bool required) {
    used.insert(key);
    const Value *v = object.get(key);
    if (!v && required)
      fail(key, "is required");
    return v;
  }

  /// A positive number (>= 0 with `allowZero`); a negative `fallback` makes
  /// the key required.
  double number(llvm::StringRef key, double fallback = -1,
                bool allowZero = false) {
    const Value *v = find(key, fallback < 0);
    if (!v)
      return std::max(fallback, 0.0);
    std::optional<double> d = v->getAsNumber();
    if (!d || !(allowZero ? *d >= 0 : *d > 0)) {
      fail(key, allowZero ? "expected a number >= 0" : "expected a number > 0");
      return 0;
    }
    return *d;
  }
  /// An integer >= 1; a negative `fallback` makes the key required.
  int64_t integer(llvm::StringRef key, int64_t fallback = -1) {
    const Value *v = find(key, fallback < 0);
    if (!v)
      return std::max<int64_t>(fallback, 0);
    std::optional<int64_t> i = v->getAsInteger();
    if (!i || *i < 1) {
      fail(key, "expected an integer >= 1");
      return 0;
    }
    return *i;
  }
  /// A boolean, `fallback` when absent.
  bool boolean(llvm::StringRef key, bool fallback) {
    const Value *v = find(key, false);
    if (!v)
      return fallback;
    std::optional<bool> b = v->getAsBoolean();
    if (!b) {
      fail(key, "expected true or false");
      return fallback;
    }
    return *b;
  }
  std::string string(llvm::StringRef key, bool required) {
    const Value *v = find(key, required);
    if (!v)
      return {};
    std::optional<llvm::StringRef> s = v->getAsString();
    if (!s) {
      fail(key, "expected a string");
      return {};
    }
    return s->str();
  }
  /// A nested object; std::nullopt (with an error) when missing or not an
  /// object.
  std::optional<Reader> child(llvm::StringRef key, bool required = true) {
    const Value *v = find(key, required);
    if (!v)
      return std::nullopt;
    const Object *o = v->getAsObject();
    if (!o) {
      fail(key, "expected an object");
      return std::nullopt;
    }
    return Reader(*o, join(key), error);
  }
  const Value *raw(llvm::StringRef key) { return find(key, false); }
  /// Reports the first key nobody read.
  void rejectUnknownKeys() {
    std::vector<std::string> keys;
    for (const auto &kv : object)
      keys.push_back(kv.first.str());
    llvm::sort(keys);
    for (const std::string &k : keys)
      if (!used.contains(k)) {
        fail(k, "is not a known key (see docs/arch.md)");
        return;
      }
  }
  void fail(llvm::StringRef key, llvm::StringRef what) {
    if (error.empty())
      error = join(key) + ": " + what.str();
  }
  std::string join(llvm::StringRef key) const {
    return path.empty() ? key.str() : path + "." + key.str();
  }

private:
  const Object &object;
  std::string path;
  std::string &error;
  llvm::StringSet<> used;
};

MemorySpec readMemory(Reader &r) {
  MemorySpec m;
  m.capacityBytes = r.integer("capacity_bytes");
  m.bandwidthGBps = r.number("bandwidth_gbps");
  r.rejectUnknownKeys();
  return m;
}

} // namespace

llvm::Expected<ArchSpec> rapid::parseArchSpec(llvm::StringRef json,
                                              llvm::StringRef source) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   source + ": " + message);
  };
  llvm::Expected<Value> parsed = llvm::json::parse(json);
  if (!parsed)
    return fail("not valid JSON: " + llvm::toString(parsed.takeError()));
  const Object *root = parsed->getAsObject();
  if (!root)
    return fail("the description must be a JSON object");

  std::string error;
  Reader top(*root, "", error);
  ArchSpec spec;
  const Value *version = top.raw("schema_version");
  if (!version || version->getAsInteger() != kArchSchemaVersion)
    return fail("schema_version: expected " + llvm::Twine(kArchSchemaVersion) +
                " (the version this build of rapid reads)");
  spec.name = top.string("name", /*required=*/true);
  spec.description = top.string("description", /*required=*/false);

  // PE throughput per precision: defaults from the vocabulary, overridable.
  for (unsigned i = 0; i < kNumPrecisions; ++i)
    spec.peMultiplier[i] = peThroughputMultiplier(static_cast<Precision>(i));
  if (std::optional<Reader> pe = top.child("pe", /*required=*/false)) {
    if (std::optional<Reader> table =
            pe->child("macs_per_cycle", /*required=*/false)) {
      for (unsigned i = 0; i < kNumPrecisions; ++i) {
        auto p = static_cast<Precision>(i);
        if (p == Precision::FP32)
          continue; // FP32 runs on the SFUs
        spec.peMultiplier[i] =
            table->integer(stringify(p), spec.peMultiplier[i]);
      }
      table->rejectUnknownKeys();
    }
    pe->rejectUnknownKeys();
  }

  if (std::optional<Reader> array = top.child("pe_array")) {
    spec.core.peArray.rows = array->integer("rows");
    spec.core.peArray.cols = array->integer("cols");
    spec.core.peArray.registersPerPE = array->integer("registers_per_pe");
    spec.core.peArray.simdWidth = array->integer("simd_width", 1);
    spec.core.peArray.zeroSkipping = array->boolean("zero_skipping", false);
    array->rejectUnknownKeys();
  }
  if (std::optional<Reader> core = top.child("core")) {
    spec.core.peArrays = core->integer("pe_arrays");
    spec.core.frequencyGHz = core->number("frequency_ghz");
    if (std::optional<Reader> l0 = core->child("l0"))
      spec.core.l0 = readMemory(*l0);
    if (std::optional<Reader> lx = core->child("lx"))
      spec.core.lx = readMemory(*lx);
    if (std::optional<Reader> sfu = core->child("sfu")) {
      spec.core.sfu.units = sfu->integer("units");
      spec.core.sfu.opsPerCycle = sfu->number("ops_per_cycle");
      sfu->rejectUnknownKeys();
    }
    spec.core.inBandwidthGBps = core->number("in_bandwidth_gbps");
    spec.core.outBandwidthGBps = core->number("out_bandwidth_gbps");
    core->rejectUnknownKeys();
  }
  if (std::optional<Reader> chip = top.child("chip")) {
    spec.chip.cores = chip->integer("cores");
    spec.chip.coreToCoreGBps =
        chip->number("core_to_core_gbps", -1, /*allowZero=*/true);
    spec.chip.coreToCoreLatencyNs = chip->number(
        "core_to_core_latency_ns", spec.chip.coreToCoreLatencyNs, true);
    if (std::optional<Reader> ext = chip->child("external_memory")) {
      spec.chip.externalMemory.capacityBytes = ext->integer("capacity_bytes");
      spec.chip.externalMemory.bandwidthGBps = ext->number("bandwidth_gbps");
      spec.chip.externalEfficiency = ext->number("efficiency", 1.0);
      if (spec.chip.externalEfficiency > 1.0)
        ext->fail("efficiency", "expected a fraction in (0, 1]");
      ext->rejectUnknownKeys();
    }
    chip->rejectUnknownKeys();
  }
  if (std::optional<Reader> system = top.child("system")) {
    spec.system.chipsX = system->integer("chips_x");
    spec.system.chipsY = system->integer("chips_y");
    spec.system.linkXGBps = system->number("link_x_gbps", -1, true);
    spec.system.linkYGBps = system->number("link_y_gbps", -1, true);
    spec.system.linkLatencyNs =
        system->number("link_latency_ns", spec.system.linkLatencyNs, true);
    if (spec.system.chipsX * spec.system.chipsY > 1 &&
        (spec.system.linkXGBps == 0 && spec.system.linkYGBps == 0))
      system->fail("link_x_gbps",
                   "a system of several chips needs chip-to-chip bandwidth");
    system->rejectUnknownKeys();
  }
  if (spec.chip.cores > 1 && spec.chip.coreToCoreGBps == 0)
    error = error.empty() ? "chip.core_to_core_gbps: a chip of several cores "
                            "needs core-to-core bandwidth"
                          : error;
  top.rejectUnknownKeys();
  if (!error.empty())
    return fail(error);
  return spec;
}

std::vector<std::string> rapid::archPresetDirectories() {
  std::vector<std::string> dirs;
  if (std::optional<std::string> env =
          llvm::sys::Process::GetEnv("RAPID_ARCH_PATH")) {
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(*env).split(parts, ':', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef p : parts)
      dirs.push_back(p.str());
  }
  dirs.push_back(RAPID_ARCH_DIR);
  return dirs;
}

std::vector<std::string> rapid::listArchPresets() {
  std::vector<std::string> names;
  for (const std::string &dir : archPresetDirectories()) {
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; !ec && it != end;
         it.increment(ec))
      if (llvm::sys::path::extension(it->path()) == ".json")
        names.push_back(llvm::sys::path::stem(it->path()).str());
  }
  llvm::sort(names);
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

llvm::Expected<ArchSpec> rapid::loadArchSpec(llvm::StringRef nameOrPath) {
  std::string path;
  if (nameOrPath.ends_with(".json")) {
    path = nameOrPath.str();
  } else {
    for (const std::string &dir : archPresetDirectories()) {
      llvm::SmallString<256> candidate(dir);
      llvm::sys::path::append(candidate, nameOrPath + ".json");
      if (llvm::sys::fs::exists(candidate)) {
        path = std::string(candidate);
        break;
      }
    }
    if (path.empty()) {
      std::string known;
      for (const std::string &n : listArchPresets())
        known += (known.empty() ? "" : ", ") + n;
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "unknown architecture '" + nameOrPath + "'; presets: " + known +
              " (or give a description file ending in .json)");
    }
  }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   "cannot read '" + path +
                                       "': " + buffer.getError().message());
  return parseArchSpec((*buffer)->getBuffer(), path);
}

uint64_t rapid::fingerprint(const ArchSpec &a) {
  std::string text;
  llvm::raw_string_ostream os(text);
  auto mem = [&](const MemorySpec &m) {
    os << m.capacityBytes << ' ' << llvm::format("%.17g", m.bandwidthGBps)
       << ' ';
  };
  auto num = [&](double x) { os << llvm::format("%.17g", x) << ' '; };
  for (unsigned m : a.peMultiplier)
    os << m << ' ';
  const CoreSpec &c = a.core;
  os << c.peArrays << ' ' << c.peArray.rows << ' ' << c.peArray.cols << ' '
     << c.peArray.registersPerPE << ' ' << c.peArray.simdWidth << ' ';
  num(c.frequencyGHz);
  mem(c.l0);
  mem(c.lx);
  os << c.sfu.units << ' ';
  num(c.sfu.opsPerCycle);
  num(c.inBandwidthGBps);
  num(c.outBandwidthGBps);
  os << a.chip.cores << ' ';
  num(a.chip.coreToCoreGBps);
  num(a.chip.coreToCoreLatencyNs);
  mem(a.chip.externalMemory);
  num(a.chip.externalEfficiency);
  os << a.system.chipsX << ' ' << a.system.chipsY << ' ';
  num(a.system.linkXGBps);
  num(a.system.linkYGBps);
  num(a.system.linkLatencyNs);
  // (Only when set: the fingerprints of descriptions without it stay.)
  if (c.peArray.zeroSkipping)
    os << "zero_skipping ";
  os.flush();
  uint64_t h = 0xcbf29ce484222325ull;
  for (char ch : text) {
    h ^= uint8_t(ch);
    h *= 0x100000001b3ull;
  }
  return h;
}
