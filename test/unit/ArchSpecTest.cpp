//===- ArchSpecTest.cpp - Architecture descriptions -----------------------===//
//
// Part of the rapid project.
//
//===----------------------------------------------------------------------===//

#include "rapid/Arch/ArchSpec.h"
#include "ArchTestUtil.h"

#include <catch2/catch.hpp>

using namespace rapid;

namespace {
using test::errorOf;
using test::load;

const char *kMinimal = R"({
  "schema_version": 1, "name": "tiny",
  "pe_array": {"rows": 2, "cols": 2, "registers_per_pe": 4},
  "core": {"pe_arrays": 1, "frequency_ghz": 1.0,
           "l0": {"capacity_bytes": 1024, "bandwidth_gbps": 64},
           "lx": {"capacity_bytes": 65536, "bandwidth_gbps": 32},
           "sfu": {"units": 1, "ops_per_cycle": 4},
           "in_bandwidth_gbps": 16, "out_bandwidth_gbps": 16},
  "chip": {"cores": 1, "core_to_core_gbps": 0,
           "external_memory": {"capacity_bytes": 1048576, "bandwidth_gbps": 8}},
  "system": {"chips_x": 1, "chips_y": 1, "link_x_gbps": 0, "link_y_gbps": 0}
})";

std::string replace(std::string text, llvm::StringRef from,
                    llvm::StringRef to) {
  size_t at = text.find(from.str());
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to.str());
}
} // namespace

TEST_CASE("rapid-core preset: the 14 nm RaPiD core's peak figures", "[arch]") {
  ArchSpec core = load("rapid-core");
  CHECK(core.name == "rapid-core");
  CHECK(core.coreMacsPerCycle() == 512);
  CHECK(core.numCores() == 1);
  // 1.5 TFLOPS FP16, 12 TOPS ternary, 25 TOPS binary.
  CHECK(core.peakOpsPerSecond(Precision::FP16) == Approx(1.536e12));
  CHECK(core.peakOpsPerSecond(Precision::Ternary) == Approx(12.288e12));
  CHECK(core.peakOpsPerSecond(Precision::Binary) == Approx(24.576e12));
  CHECK(core.peakOpsPerSecond(Precision::FP32) == 0);
  CHECK(core.core.inBandwidthGBps == 96);
  CHECK(core.core.outBandwidthGBps == 96);
}

TEST_CASE("deeptools-64chip presets: the seed's baseline system", "[arch]") {
  ArchSpec sys = load("deeptools-64chip");
  CHECK(sys.numChips() == 64);
  CHECK(sys.system.chipsX == 4);
  CHECK(sys.system.chipsY == 16);
  CHECK(sys.chip.cores == 32);
  CHECK(sys.coreMacsPerCycle() == 1024);
  CHECK(sys.core.frequencyGHz == 2.0);
  CHECK(sys.core.lx.capacityBytes == 1 << 20);
  CHECK(sys.core.lx.bandwidthGBps == 128);
  CHECK(sys.chip.coreToCoreGBps == 256);
  CHECK(sys.chip.externalMemory.bandwidthGBps == 256);
  CHECK(sys.chip.externalEfficiency == Approx(0.8));
  // About 8 PFLOPS FP16.
  CHECK(sys.peakOpsPerSecond(Precision::FP16) == Approx(8.388608e15));
  CHECK(sys.system.linkXGBps == sys.system.linkYGBps);
  ArchSpec asym = load("deeptools-64chip-asym");
  CHECK(asym.system.linkXGBps == 120);
  CHECK(asym.system.linkYGBps == 40);
  std::vector<std::string> presets = listArchPresets();
  CHECK(std::find(presets.begin(), presets.end(), "rapid-core") !=
        presets.end());
}

TEST_CASE("descriptions parse, with per-precision overrides", "[arch]") {
  REQUIRE(errorOf(kMinimal) == "");
  ArchSpec tiny = *parseArchSpec(kMinimal, "tiny.json");
  CHECK(tiny.coreMacsPerCycle() == 4);
  CHECK(tiny.coreMacsPerCycle(Precision::INT4) == 16);
  std::string custom =
      replace(kMinimal, R"("name": "tiny",)",
              R"("name": "tiny", "pe": {"macs_per_cycle": {"int4": 2}},)");
  ArchSpec overridden = *parseArchSpec(custom, "custom.json");
  CHECK(overridden.coreMacsPerCycle(Precision::INT4) == 8);
  CHECK(overridden.coreMacsPerCycle(Precision::Binary) == 64);
}

TEST_CASE("invalid descriptions name the offending key", "[arch]") {
  CHECK(errorOf("{").find("test.json: not valid JSON") == 0);
  CHECK(errorOf("[1]") == "test.json: the description must be a JSON object");
  CHECK(errorOf(replace(kMinimal, R"("schema_version": 1)",
                        R"("schema_version": 7)")) ==
        "test.json: schema_version: expected 1 (the version this build of "
        "rapid reads)");
  CHECK(errorOf(replace(kMinimal, R"("capacity_bytes": 65536)",
                        R"("capacity_bytes": -5)")) ==
        "test.json: core.lx.capacity_bytes: expected an integer >= 1");
  CHECK(errorOf(replace(kMinimal, R"("frequency_ghz": 1.0)",
                        R"("frequncy_ghz": 1.0)")) ==
        "test.json: core.frequency_ghz: is required");
  CHECK(errorOf(replace(kMinimal, R"("ops_per_cycle": 4)",
                        R"("ops_per_cycle": 4, "lanes": 2)")) ==
        "test.json: core.sfu.lanes: is not a known key (see docs/arch.md)");
  CHECK(errorOf(replace(kMinimal, R"("bandwidth_gbps": 8})",
                        R"("bandwidth_gbps": 8, "efficiency": 1.5})")) ==
        "test.json: chip.external_memory.efficiency: expected a fraction in "
        "(0, 1]");
  CHECK(errorOf(replace(kMinimal, R"("chips_x": 1)", R"("chips_x": 2)")) ==
        "test.json: system.link_x_gbps: a system of several chips needs "
        "chip-to-chip bandwidth");
  CHECK(errorOf(replace(kMinimal, R"("cores": 1,)", R"("cores": 4,)")) ==
        "test.json: chip.core_to_core_gbps: a chip of several cores needs "
        "core-to-core bandwidth");
  CHECK(errorOf(replace(kMinimal, R"("pe_array": {)",
                        R"("pe_array": 3, "x": {)")) ==
        "test.json: pe_array: expected an object");
}

TEST_CASE("unknown presets list the known ones", "[arch]") {
  llvm::Expected<ArchSpec> spec = loadArchSpec("tpu-v9");
  bool loaded = static_cast<bool>(spec);
  REQUIRE_FALSE(loaded);
  std::string message = llvm::toString(spec.takeError());
  CHECK(message.find("unknown architecture 'tpu-v9'; presets: ") == 0);
  CHECK(message.find("deeptools-64chip") != std::string::npos);
  llvm::Expected<ArchSpec> missing = loadArchSpec("/nonexistent/arch.json");
  loaded = static_cast<bool>(missing);
  REQUIRE_FALSE(loaded);
  CHECK(llvm::toString(missing.takeError()) ==
        "cannot read '/nonexistent/arch.json': No such file or directory");
}

TEST_CASE("the fingerprint identifies an architecture's figures", "[arch]") {
  llvm::Expected<ArchSpec> a = loadArchSpec("rapid-core");
  llvm::Expected<ArchSpec> b = loadArchSpec("deeptools-chip");
  REQUIRE(bool(a));
  REQUIRE(bool(b));
  CHECK(fingerprint(*a) == fingerprint(*a));
  CHECK(fingerprint(*a) != fingerprint(*b));
  ArchSpec renamed = *a;
  renamed.name = "other";
  renamed.description = "same machine";
  CHECK(fingerprint(renamed) == fingerprint(*a));
  ArchSpec faster = *a;
  faster.core.lx.bandwidthGBps *= 1.0000001;
  CHECK(fingerprint(faster) != fingerprint(*a));
}
