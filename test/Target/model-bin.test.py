"""Writes corrupted copies of a model.bin (model-bin.test): truncated, bad
magic, a code byte flipped (checksum mismatch), and an out-of-range
instruction field with every checksum recomputed so that only the decoder
can catch it."""
import struct
import sys
import zlib

src, out = sys.argv[1], sys.argv[2]
good = bytearray(open(src, "rb").read())


def write(name, data):
    open(f"{out}.{name}.bin", "wb").write(bytes(data))


write("truncated", good[: len(good) - 16])
write("magic", b"RAPIDBAD" + good[8:])
count = struct.unpack_from("<I", good, 36)[0]
# Section 1 is core 0's code (section 0 is the architecture name).
kind, core, offset, size = struct.unpack_from("<IIQQ", good, 64 + 32)
assert kind == 1 and core == 0 and size >= 16, (kind, core, size)
flipped = bytearray(good)
flipped[offset + 2] ^= 0x01
write("checksum", flipped)
# The fifth instruction is the mac: set its dataflow (bits 8-9) to 3.
field = bytearray(good)
mac = offset + 4 * 16
assert field[mac] == 0x30, hex(field[mac])
field[mac + 1] |= 0x03
struct.pack_into("<I", field, 64 + 32 + 24,
                 zlib.crc32(bytes(field[offset:offset + size])))
table = zlib.crc32(bytes(field[64:64 + 32 * count]))
struct.pack_into("<I", field, 56, table)
struct.pack_into("<I", field, 60, zlib.crc32(bytes(field[:60])))
write("field", field)
print("wrote 4 corrupted copies")
