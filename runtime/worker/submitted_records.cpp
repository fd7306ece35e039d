#include "runtime/worker/submitted_records.h"

#include <optional>
#include <utility>

namespace ferry::runtime {

SubmittedRecords::Entry* SubmittedRecords::submit(sdk::SourceRecord record, std::size_t bytes) {
  std::scoped_lock lock(mutex_);
  if (last_ == nullptr || last_->partition != record.source_partition) {
    last_ = nullptr;
    for (Partition& partition : partitions_) {
      if (partition.partition == record.source_partition) last_ = &partition;
    }
    if (last_ == nullptr) last_ = &partitions_.emplace_back(Partition{record.source_partition, {}});
  }
  Entry& entry = last_->entries.emplace_back();
  entry.record = std::move(record);
  entry.bytes = bytes;
  ++outstanding_records_;
  outstanding_bytes_ += bytes;
  return &entry;
}

void SubmittedRecords::ack(Entry* entry, sdk::RecordPosition position) {
  {
    std::scoped_lock lock(mutex_);
    entry->position = std::move(position);
    entry->acked = true;
    --outstanding_records_;
    outstanding_bytes_ -= entry->bytes;
  }
  changed_.notify_all();
}

SubmittedRecords::Committable SubmittedRecords::take_committable() {
  Committable out;
  std::scoped_lock lock(mutex_);
  for (auto it = partitions_.begin(); it != partitions_.end();) {
    std::deque<Entry>& queue = it->entries;
    std::optional<std::size_t> latest;  // index in out.acknowledged
    while (!queue.empty() && queue.front().acked) {
      Entry& front = queue.front();
      out.acknowledged.emplace_back(std::move(front.record), std::move(front.position));
      queue.pop_front();
      if (!out.acknowledged.back().first.source_offset.empty()) {
        latest = out.acknowledged.size() - 1;
      }
    }
    if (latest && !it->partition.empty()) {
      out.offsets.emplace_back(it->partition, out.acknowledged[*latest].first.source_offset);
    }
    if (queue.empty()) {
      if (last_ == &*it) last_ = nullptr;
      it = partitions_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::size_t SubmittedRecords::outstanding_records() const {
  std::scoped_lock lock(mutex_);
  return outstanding_records_;
}

std::size_t SubmittedRecords::outstanding_bytes() const {
  std::scoped_lock lock(mutex_);
  return outstanding_bytes_;
}

bool SubmittedRecords::wait_below(std::size_t max_bytes,
                                  std::chrono::steady_clock::time_point deadline,
                                  const std::function<bool()>& stop) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, deadline, [&] {
    return outstanding_bytes_ <= max_bytes || stop();
  }) && outstanding_bytes_ <= max_bytes;
}

void SubmittedRecords::notify() { changed_.notify_all(); }

}  // namespace ferry::runtime
