//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Sim/Npy.h"
#include "rapid/Numerics/FloatFormat.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

using namespace rapid::sim;
using llvm::StringRef;

static llvm::Error error(StringRef source, const llvm::Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 (source + ": " + why).str());
}

/// The value of `key` in the header dict, e.g. `'descr': '<f4'`.
static std::optional<StringRef> field(StringRef header, StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

llvm::Expected<NpyArray> rapid::sim::parseNpy(llvm::ArrayRef<uint8_t> bytes,
                                              StringRef source) {
  StringRef s(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  if (!s.starts_with("\x93NUMPY"))
    return error(source, "not a .npy file (no \\x93NUMPY magic)");
  if (s.size() < 10)
    return error(source, "truncated header");
  unsigned major = uint8_t(s[6]);
  size_t headerLen, start;
  if (major == 1) {
    headerLen = uint8_t(s[8]) | uint8_t(s[9]) << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (s.size() < 12)
      return error(source, "truncated header");
    headerLen = uint32_t(uint8_t(s[8])) | uint32_t(uint8_t(s[9])) << 8 |
                uint32_t(uint8_t(s[10])) << 16 | uint32_t(uint8_t(s[11])) << 24;
    start = 12;
  } else {
    return error(source, llvm::formatv("unsupported .npy version {0}", major));
  }
  if (start + headerLen > s.size())
    return error(source, "truncated header");
  StringRef header = s.substr(start, headerLen);
  std::optional<StringRef> descr = field(header, "descr");
  std::optional<StringRef> order = field(header, "fortran_order");
  std::optional<StringRef> shape = field(header, "shape");
  if (!descr || !order || !shape)
    return error(source, "the header lacks descr, fortran_order or shape");
  if (order->starts_with("True"))
    return error(source, "Fortran-order arrays are not supported; save "
                         "with C order");
  if (descr->size() < 2 || (descr->front() != '\'' && descr->front() != '"'))
    return error(source, "malformed descr (expected a quoted dtype)");
  StringRef type = descr->drop_front().take_until(
      [](char c) { return c == '\'' || c == '"'; });
  if (!shape->starts_with("("))
    return error(source, "malformed shape");
  StringRef dims =
      shape->drop_front().take_until([](char c) { return c == ')'; });
  NpyArray a;
  int64_t count = 1;
  llvm::SmallVector<StringRef> parts;
  dims.split(parts, ',');
  for (StringRef p : parts) {
    p = p.trim();
    if (p.empty())
      continue;
    int64_t d;
    if (p.getAsInteger(10, d) || d < 0 || d > (int64_t(1) << 40))
      return error(source, "malformed shape dimension '" + p + "'");
    a.shape.push_back(d);
    // Checked before multiplying: the count must not overflow.
    if (d != 0 && count > (int64_t(1) << 34) / d)
      return error(source, "the array is too large");
    count *= d;
  }
  size_t elem;
  if (type == "<f4")
    elem = 4;
  else if (type == "<f8")
    elem = 8;
  else if (type == "<f2")
    elem = 2;
  else if (type == "|i1" || type == "<i1")
    elem = 1;
  else if (type == "<i4")
    elem = 4;
  else
    return error(source, "unsupported dtype '" + type +
                             "'; use float32, float64, float16, int8 or "
                             "int32 (little-endian)");
  const uint8_t *data = bytes.data() + start + headerLen;
  if (bytes.size() - start - headerLen < size_t(count) * elem)
    return error(source,
                 llvm::formatv("holds {0} bytes of data; shape and dtype need "
                               "{1}",
                               bytes.size() - start - headerLen,
                               size_t(count) * elem));
  a.data.resize(size_t(count));
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t *p = data + size_t(i) * elem;
    if (type == "<f4") {
      float f;
      std::memcpy(&f, p, 4);
      a.data[size_t(i)] = f;
    } else if (type == "<f8") {
      double d;
      std::memcpy(&d, p, 8);
      a.data[size_t(i)] = d;
    } else if (type == "<f2") {
      a.data[size_t(i)] =
          numerics::decode(uint32_t(p[0] | p[1] << 8), numerics::kFP16);
    } else if (elem == 1) {
      a.data[size_t(i)] = int8_t(p[0]);
    } else {
      int32_t v;
      std::memcpy(&v, p, 4);
      a.data[size_t(i)] = v;
    }
  }
  return a;
}

llvm::Expected<NpyArray> rapid::sim::readNpy(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return error(path, "cannot read: " + buffer.getError().message());
  StringRef b = (*buffer)->getBuffer();
  return parseNpy(llvm::ArrayRef<uint8_t>(
                      reinterpret_cast<const uint8_t *>(b.data()), b.size()),
                  path);
}

std::vector<uint8_t> rapid::sim::encodeNpyFloat32(llvm::ArrayRef<int64_t> shape,
                                                  llvm::ArrayRef<float> data) {
  std::string dims;
  for (int64_t d : shape)
    dims += std::to_string(d) + ", ";
  if (shape.size() > 1)
    dims.resize(dims.size() - 2);
  else if (shape.size() == 1)
    dims.pop_back();
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so that the data starts 64-byte aligned; end with \n.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string prefix = "\x93NUMPY";
  prefix += char(1);
  prefix += char(0);
  prefix += char(header.size() & 0xff);
  prefix += char(header.size() >> 8);
  prefix += header;
  std::vector<uint8_t> out(prefix.begin(), prefix.end());
  size_t at = out.size();
  out.resize(at + data.size() * 4);
  std::memcpy(out.data() + at, data.data(), data.size() * 4);
  return out;
}
