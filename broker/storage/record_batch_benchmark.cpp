// Record batch throughput for a producer-sized batch: 1000 records with 16-byte keys and 100-byte
// values. BM_BuildAndDecode (per codec) is what a round trip through the broker's format costs;
// BM_Build and BM_Decode split it; BM_Memcpy copies the same number of uncompressed batch bytes
// and is the baseline in the same run, since building and decoding each touch every byte at
// least once. BM_Crc32c compares the SSE4.2 and table CRCs on the same batch.
// Records/s is items_per_second; MB/s is bytes_per_second of uncompressed batch.
//
// main() pins glibc's mmap and trim thresholds: a ~128 KiB batch sits right at glibc's default
// mmap threshold, and without the pin each iteration may hand its memory back to the kernel and
// page-fault it in again, which doubled some figures from run to run. A long-running broker's
// warm heap does not do that, so the pinned figures are the ones that describe the format code.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <benchmark/benchmark.h>

#include "broker/storage/crc32c.h"
#include "broker/storage/record_batch.h"

namespace {

using ferry::broker::Compression;
using ferry::broker::RecordBatchBuilder;

constexpr int kRecords = 1000;
constexpr std::size_t kValueBytes = 100;
constexpr std::size_t kMaxDecompressed = 64 * 1024 * 1024;
constexpr std::int64_t kTimestamp = 1700000000000;

struct Payload {
  std::vector<std::string> keys;
  std::vector<std::string> values;
};

// Values look like small JSON rows: compressible, as real topics are, but not trivially so.
const Payload& payload() {
  static const Payload data = [] {
    Payload p;
    std::uint32_t seed = 12345;
    for (int i = 0; i < kRecords; ++i) {
      p.keys.push_back("order-" + std::to_string(100000000 + i));
      std::string value = "{\"id\":" + std::to_string(i) + ",\"amount\":";
      while (value.size() < kValueBytes) {
        seed = seed * 1103515245 + 12345;
        value += static_cast<char>('0' + (seed >> 16) % 10);
      }
      value.resize(kValueBytes);
      p.values.push_back(std::move(value));
    }
    return p;
  }();
  return data;
}

std::vector<std::uint8_t> build_batch(Compression compression) {
  const Payload& data = payload();
  RecordBatchBuilder builder({.compression = compression});
  for (int i = 0; i < kRecords; ++i) {
    (void)builder.append(kTimestamp + i, ferry::broker::as_bytes(data.keys[i]),
                         ferry::broker::as_bytes(data.values[i]));
  }
  return std::move(builder.build().value());
}

std::int64_t uncompressed_bytes() {
  static const std::int64_t size =
      static_cast<std::int64_t>(build_batch(Compression::kNone).size());
  return size;
}

void report(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * uncompressed_bytes());
}

void BM_BuildAndDecode(benchmark::State& state) {
  const auto compression = static_cast<Compression>(state.range(0));
  for (auto _ : state) {
    const std::vector<std::uint8_t> batch = build_batch(compression);
    auto decoded = ferry::broker::decode_batch(batch, kMaxDecompressed);
    if (!decoded.ok()) state.SkipWithError(decoded.status().message().c_str());
    benchmark::DoNotOptimize(decoded->records().data());
  }
  report(state);
  state.SetLabel(std::string(ferry::broker::compression_name(compression)) + ", " +
                 std::to_string(build_batch(compression).size()) + " bytes on the wire");
}

void BM_Build(benchmark::State& state) {
  const auto compression = static_cast<Compression>(state.range(0));
  for (auto _ : state) {
    std::vector<std::uint8_t> batch = build_batch(compression);
    benchmark::DoNotOptimize(batch.data());
  }
  report(state);
  state.SetLabel(std::string(ferry::broker::compression_name(compression)));
}

void BM_Decode(benchmark::State& state) {
  const auto compression = static_cast<Compression>(state.range(0));
  const std::vector<std::uint8_t> batch = build_batch(compression);
  for (auto _ : state) {
    auto decoded = ferry::broker::decode_batch(batch, kMaxDecompressed);
    if (!decoded.ok()) state.SkipWithError(decoded.status().message().c_str());
    benchmark::DoNotOptimize(decoded->records().data());
  }
  report(state);
  state.SetLabel(std::string(ferry::broker::compression_name(compression)));
}

void BM_Memcpy(benchmark::State& state) {
  const std::vector<std::uint8_t> batch = build_batch(Compression::kNone);
  for (auto _ : state) {
    std::vector<std::uint8_t> copy(batch.size());
    std::memcpy(copy.data(), batch.data(), batch.size());
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  }
  report(state);
}

void BM_Crc32c(benchmark::State& state) {
  const bool hardware = state.range(0) != 0;
  if (hardware && !ferry::broker::crc32c_hardware_available()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  const std::vector<std::uint8_t> batch = build_batch(Compression::kNone);
  for (auto _ : state) {
    benchmark::DoNotOptimize(hardware ? ferry::broker::crc32c_hardware(batch)
                                      : ferry::broker::crc32c_portable(batch));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
  state.SetLabel(hardware ? "sse4.2" : "slicing-by-8");
}

void all_codecs(benchmark::internal::Benchmark* benchmark) {
  benchmark->ArgName("codec");
  for (int codec = 0; codec <= 4; ++codec) benchmark->Arg(codec);
}

BENCHMARK(BM_Memcpy);
BENCHMARK(BM_BuildAndDecode)->Apply(all_codecs);
BENCHMARK(BM_Build)->Apply(all_codecs);
BENCHMARK(BM_Decode)->Apply(all_codecs);
BENCHMARK(BM_Crc32c)->ArgName("hardware")->Arg(1)->Arg(0);

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
