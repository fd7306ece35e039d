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

void SubmittedRecords::take_committable(Committable& out) {
  out.offsets.clear();
  out.acknowledged.clear();
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
