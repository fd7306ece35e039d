#include "broker/storage/producer_state.h"

#include <algorithm>
#include <limits>
#include <system_error>

#include "broker/storage/crc32c.h"
#include "broker/storage/log_segment.h"
#include "broker/storage/wire_format.h"

namespace ferry::broker {
namespace {

constexpr std::int16_t kSnapshotVersion = 1;
// version (2) and crc (4) precede what the CRC covers; then offset (8) and producer count (4).
constexpr std::size_t kCrcAt = 2;
constexpr std::size_t kCoveredFrom = 6;
constexpr std::size_t kSnapshotHeaderSize = kCoveredFrom + 8 + 4;
constexpr std::size_t kProducerSize = 8 + 2 + 1;
constexpr std::size_t kBatchSize = 4 + 4 + 8 + 8 + 8 + 4;

bool follows(std::int32_t last, std::int32_t next) { return last_sequence_of(last, 1) == next; }

class Writer {
 public:
  template <typename T>
  void put(T value) {
    const std::size_t at = bytes.size();
    bytes.resize(at + sizeof(T));
    store_be<T>(bytes.data() + at, value);
  }
  std::vector<std::uint8_t> bytes;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  template <typename T>
  bool get(T& value) {
    if (bytes_.size() - position_ < sizeof(T)) return false;
    value = load_be<T>(bytes_.data() + position_);
    position_ += sizeof(T);
    return true;
  }
  std::size_t remaining() const { return bytes_.size() - position_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
};

}  // namespace

std::int32_t last_sequence_of(std::int32_t first_sequence, std::int32_t last_offset_delta) {
  const std::int64_t next =
      static_cast<std::int64_t>(first_sequence) + std::max<std::int32_t>(0, last_offset_delta);
  constexpr std::int64_t kWrap = std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1;
  return static_cast<std::int32_t>(next % kWrap);
}

ProducerCheck ProducerStateTable::check(const RecordBatchHeader& header, bool new_producer) const {
  ProducerCheck outcome;
  const auto refuse = [&](ProducerVerdict verdict, std::string why) {
    outcome.verdict = verdict;
    outcome.why = "producer " + std::to_string(header.producer_id) + " epoch " +
                  std::to_string(header.producer_epoch) + ": " + std::move(why);
    return outcome;
  };
  const std::int32_t first = header.base_sequence;
  const std::int32_t last = last_sequence_of(first, header.last_offset_delta);
  const auto found = producers_.find(header.producer_id);
  if (found == producers_.end()) {
    if (new_producer && first != 0) {
      return refuse(ProducerVerdict::kOutOfOrderSequence,
                    "first sequence " + std::to_string(first) + ", expected 0");
    }
    return outcome;
  }
  const Producer& producer = found->second;
  if (header.producer_epoch < producer.epoch) {
    return refuse(ProducerVerdict::kInvalidEpoch,
                  "older than the current epoch " + std::to_string(producer.epoch));
  }
  if (header.producer_epoch > producer.epoch) {
    if (first != 0) {
      return refuse(ProducerVerdict::kOutOfOrderSequence,
                    "first sequence " + std::to_string(first) + " of a new epoch, expected 0");
    }
    return outcome;
  }
  for (const Batch& batch : producer.batches) {
    if (batch.first_sequence == first && batch.last_sequence == last) {
      outcome.verdict = ProducerVerdict::kDuplicate;
      outcome.original = batch.appended;
      return outcome;
    }
  }
  const std::int32_t last_appended = producer.batches.back().last_sequence;
  if (!follows(last_appended, first)) {
    return refuse(ProducerVerdict::kOutOfOrderSequence,
                  "sequence " + std::to_string(first) + ", expected " +
                      std::to_string(last_sequence_of(last_appended, 1)));
  }
  return outcome;
}

void ProducerStateTable::record(const RecordBatchHeader& header, std::int64_t log_append_time) {
  if (header.producer_id < 0) return;
  Producer& producer = producers_[header.producer_id];
  if (header.producer_epoch != producer.epoch) producer.batches.clear();
  producer.epoch = header.producer_epoch;
  Batch batch;
  batch.first_sequence = header.base_sequence;
  batch.last_sequence = last_sequence_of(header.base_sequence, header.last_offset_delta);
  batch.appended.base_offset = header.base_offset;
  batch.appended.last_offset = header.last_offset();
  batch.appended.log_append_time = log_append_time;
  batch.appended.record_count = header.records_count;
  producer.batches.push_back(batch);
  if (producer.batches.size() > kCachedBatches) producer.batches.pop_front();
}

void ProducerStateTable::remove_before(std::int64_t log_start_offset) {
  for (auto it = producers_.begin(); it != producers_.end();) {
    auto& batches = it->second.batches;
    while (!batches.empty() && batches.front().appended.last_offset < log_start_offset) {
      batches.pop_front();
    }
    it = batches.empty() ? producers_.erase(it) : std::next(it);
  }
}

std::int64_t ProducerStateTable::max_producer_id() const {
  return producers_.empty() ? -1 : producers_.rbegin()->first;
}

std::optional<std::pair<std::int16_t, std::int32_t>> ProducerStateTable::last_sequence(
    std::int64_t producer_id) const {
  const auto found = producers_.find(producer_id);
  if (found == producers_.end()) return std::nullopt;
  return std::pair{found->second.epoch, found->second.batches.back().last_sequence};
}

std::vector<std::uint8_t> ProducerStateTable::serialize(std::int64_t offset) const {
  Writer out;
  out.bytes.reserve(kSnapshotHeaderSize +
                    producers_.size() * (kProducerSize + kCachedBatches * kBatchSize));
  out.put<std::int16_t>(kSnapshotVersion);
  out.put<std::uint32_t>(0);  // the CRC, below
  out.put<std::int64_t>(offset);
  out.put<std::int32_t>(static_cast<std::int32_t>(producers_.size()));
  for (const auto& [id, producer] : producers_) {
    out.put<std::int64_t>(id);
    out.put<std::int16_t>(producer.epoch);
    out.put<std::int8_t>(static_cast<std::int8_t>(producer.batches.size()));
    for (const Batch& batch : producer.batches) {
      out.put<std::int32_t>(batch.first_sequence);
      out.put<std::int32_t>(batch.last_sequence);
      out.put<std::int64_t>(batch.appended.base_offset);
      out.put<std::int64_t>(batch.appended.last_offset);
      out.put<std::int64_t>(batch.appended.log_append_time);
      out.put<std::int32_t>(batch.appended.record_count);
    }
  }
  const std::uint32_t crc = crc32c(std::span<const std::uint8_t>(out.bytes).subspan(kCoveredFrom));
  store_be<std::uint32_t>(out.bytes.data() + kCrcAt, crc);
  return out.bytes;
}

Result<ProducerStateTable> ProducerStateTable::parse(std::span<const std::uint8_t> bytes,
                                                     std::int64_t offset,
                                                     const std::filesystem::path& path) {
  const auto bad = [&](const std::string& what) {
    return Status::corruption(path.string() + ": not a producer snapshot: " + what);
  };
  Reader in(bytes);
  std::int16_t version = 0;
  std::uint32_t crc = 0;
  std::int64_t snapshot_offset = 0;
  std::int32_t count = 0;
  if (!in.get(version) || !in.get(crc) || !in.get(snapshot_offset) || !in.get(count)) {
    return bad("shorter than its header (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (version != kSnapshotVersion) return bad("version " + std::to_string(version));
  if (crc32c(bytes.subspan(kCoveredFrom)) != crc) return bad("CRC mismatch");
  if (snapshot_offset != offset) {
    return bad("holds the state at offset " + std::to_string(snapshot_offset) + ", its name says " +
               std::to_string(offset));
  }
  if (count < 0 || static_cast<std::size_t>(count) > in.remaining() / kProducerSize) {
    return bad("producer count " + std::to_string(count));
  }
  ProducerStateTable table;
  for (std::int32_t i = 0; i < count; ++i) {
    std::int64_t id = 0;
    Producer producer;
    std::int8_t batches = 0;
    if (!in.get(id) || !in.get(producer.epoch) || !in.get(batches)) return bad("truncated");
    if (id < 0 || batches < 1 || static_cast<std::size_t>(batches) > kCachedBatches) {
      return bad("producer " + std::to_string(id) + " with " + std::to_string(batches) +
                 " batches");
    }
    for (std::int8_t b = 0; b < batches; ++b) {
      Batch batch;
      if (!in.get(batch.first_sequence) || !in.get(batch.last_sequence) ||
          !in.get(batch.appended.base_offset) || !in.get(batch.appended.last_offset) ||
          !in.get(batch.appended.log_append_time) || !in.get(batch.appended.record_count)) {
        return bad("truncated");
      }
      if (batch.appended.last_offset < batch.appended.base_offset ||
          batch.appended.last_offset >= offset) {
        return bad("a batch of producer " + std::to_string(id) + " at offsets " +
                   std::to_string(batch.appended.base_offset) + "-" +
                   std::to_string(batch.appended.last_offset));
      }
      producer.batches.push_back(batch);
    }
    if (!table.producers_.emplace(id, std::move(producer)).second) {
      return bad("producer " + std::to_string(id) + " twice");
    }
  }
  if (in.remaining() != 0) return bad(std::to_string(in.remaining()) + " bytes after the end");
  return table;
}

std::filesystem::path ProducerStateTable::snapshot_path(const std::filesystem::path& directory,
                                                        std::int64_t offset) {
  return LogSegment::file_path(directory, offset, kProducerSnapshotExtension);
}

std::vector<std::int64_t> ProducerStateTable::list_snapshots(
    const std::filesystem::path& directory) {
  std::vector<std::int64_t> offsets;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() != kProducerSnapshotExtension) continue;
    if (const auto offset = LogSegment::parse_file_stem(entry.path().stem().string())) {
      offsets.push_back(*offset);
    }
  }
  std::sort(offsets.begin(), offsets.end());
  return offsets;
}

}  // namespace ferry::broker
