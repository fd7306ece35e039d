#include "runtime/worker/submitted_records.h"

#include <cstddef>
#include <optional>
#include <utility>

namespace ferry::runtime {

SubmittedRecords::Entry* SubmittedRecords::submit(sdk::SourceRecord record, std::size_t bytes) {
  // partitions_ and the deques are the task thread's alone (see take_acknowledged).
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
  std::scoped_lock lock(mutex_);
  ++outstanding_records_;
  outstanding_bytes_ += bytes;
  return &entry;
}

void SubmittedRecords::ack(Entry* entry, sdk::RecordPosition position) {
  bool wake = false;
  {
    std::scoped_lock lock(mutex_);
    entry->position = std::move(position);
    entry->acked = true;
    --outstanding_records_;
    outstanding_bytes_ -= entry->bytes;
    // Only the ack that brings a waiter's bound within reach wakes it: waking for every ack
    // costs the task thread more than the acks themselves.
    if (waiting_for_ && outstanding_bytes_ <= *waiting_for_) {
      waiting_for_.reset();
      wake = true;
    }
  }
  if (wake) changed_.notify_all();
}

void SubmittedRecords::take_acknowledged(const OnAcknowledged& on_acknowledged,
                                         std::vector<SourceOffset>& offsets) {
  offsets.clear();
  // How many entries at the front of each partition are acknowledged, read under the lock that
  // ack() sets them under. Everything else here runs without it: only this thread (the task's)
  // adds and removes entries, and ack() writes nothing but the entry it is given, which is
  // never one of those handed out below (each record is acknowledged once).
  acknowledged_counts_.clear();
  {
    std::scoped_lock lock(mutex_);
    for (const Partition& partition : partitions_) {
      std::size_t count = 0;
      while (count < partition.entries.size() && partition.entries[count].acked) ++count;
      acknowledged_counts_.push_back(count);
    }
  }
  std::size_t index = 0;
  for (auto it = partitions_.begin(); it != partitions_.end(); ++index) {
    std::deque<Entry>& queue = it->entries;
    const std::size_t count = acknowledged_counts_[index];
    const sdk::SourceMap* latest = nullptr;
    for (std::size_t i = 0; i < count; ++i) {
      const Entry& entry = queue[i];
      on_acknowledged(entry.record, entry.position);
      if (!entry.record.source_offset.empty()) latest = &entry.record.source_offset;
    }
    if (latest != nullptr && !it->partition.empty()) offsets.emplace_back(it->partition, *latest);
    queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(count));
    if (queue.empty()) {
      if (last_ == &*it) last_ = nullptr;
      it = partitions_.erase(it);
    } else {
      ++it;
    }
  }
}

SubmittedRecords::Committable SubmittedRecords::take_committable() {
  Committable out;
  take_acknowledged(
      [&out](const sdk::SourceRecord& record, const sdk::RecordPosition& position) {
        out.acknowledged.emplace_back(record, position);
      },
      out.offsets);
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
  // Waits for half the bound, so that the next wait is a while off (hysteresis).
  const std::size_t wake_at = max_bytes / 2;
  if (outstanding_bytes_ <= max_bytes) return true;
  waiting_for_ = wake_at;
  changed_.wait_until(lock, deadline, [&] { return outstanding_bytes_ <= wake_at || stop(); });
  waiting_for_.reset();
  return outstanding_bytes_ <= max_bytes;
}

void SubmittedRecords::notify() {
  {
    std::scoped_lock lock(mutex_);
    waiting_for_.reset();
  }
  changed_.notify_all();
}

}  // namespace ferry::runtime
