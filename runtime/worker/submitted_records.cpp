#include "runtime/worker/submitted_records.h"

#include <cstddef>
#include <optional>
#include <utility>

namespace ferry::runtime {

SubmittedRecords::Entry& SubmittedRecords::EntryQueue::push_back() {
  const std::size_t slot = head_ + size_;
  if (slot == chunks_.size() * kChunkEntries) {
    chunks_.push_back(spare_ ? std::move(spare_) : std::make_unique<Chunk>());
  }
  ++size_;
  return (*chunks_[slot / kChunkEntries])[slot % kChunkEntries];
}

SubmittedRecords::Entry& SubmittedRecords::EntryQueue::operator[](std::size_t i) {
  const std::size_t slot = head_ + i;
  return (*chunks_[slot / kChunkEntries])[slot % kChunkEntries];
}

void SubmittedRecords::EntryQueue::pop_front() {
  Entry& front = (*chunks_.front())[head_];
  front.record = {};
  front.position = {};
  front.bytes = 0;
  front.acked.store(false, std::memory_order_relaxed);
  --size_;
  if (++head_ == kChunkEntries) {
    spare_ = std::move(chunks_.front());  // used up: kept for the next push_back that needs one
    chunks_.pop_front();
    head_ = 0;
  } else if (size_ == 0) {
    head_ = 0;  // the one chunk left starts over
  }
}

SubmittedRecords::Entry* SubmittedRecords::submit(sdk::SourceRecord record, std::size_t bytes) {
  // partitions_ and the queues are the task thread's alone (see take_acknowledged).
  if (last_ == nullptr || last_->partition != record.source_partition) {
    last_ = nullptr;
    for (Partition& partition : partitions_) {
      if (partition.partition == record.source_partition) last_ = &partition;
    }
    if (last_ == nullptr) last_ = &partitions_.emplace_back(Partition{record.source_partition, {}});
  }
  Entry& entry = last_->entries.push_back();
  entry.record = std::move(record);
  entry.bytes = bytes;
  outstanding_records_.fetch_add(1, std::memory_order_relaxed);
  outstanding_bytes_.fetch_add(bytes);
  return &entry;
}

void SubmittedRecords::ack(Entry* entry, sdk::RecordPosition position) {
  entry->position = std::move(position);
  const std::size_t bytes = entry->bytes;
  // From here on the task thread may reuse the entry: it is not touched again.
  entry->acked.store(true, std::memory_order_release);
  outstanding_records_.fetch_sub(1, std::memory_order_relaxed);
  // Sequentially consistent with wait_below's store of waiting_for_ and its read of the bytes:
  // either this sees the waiter's level or the waiter sees these bytes gone.
  const std::size_t outstanding = outstanding_bytes_.fetch_sub(bytes) - bytes;
  const std::size_t wake_at = waiting_for_.load();
  // Only the ack that brings a waiter's bound within reach wakes it: waking for every ack
  // costs the task thread more than the acks themselves.
  if (wake_at == kNotWaiting || outstanding > wake_at) return;
  {
    // The waiter holds the mutex from setting its level until it sleeps, so this notify cannot
    // fall between its last check and its sleep.
    std::scoped_lock lock(mutex_);
    waiting_for_.store(kNotWaiting);
  }
  changed_.notify_all();
}

void SubmittedRecords::take_acknowledged(const OnAcknowledged& on_acknowledged,
                                         std::vector<SourceOffset>& offsets) {
  offsets.clear();
  // Only this thread (the task's) adds and removes entries; ack() writes nothing but the entry
  // it is given, and nothing after setting its flag, so an entry read as acknowledged here is
  // this thread's alone (each record is acknowledged once).
  for (auto it = partitions_.begin(); it != partitions_.end();) {
    EntryQueue& queue = it->entries;
    std::size_t count = 0;
    while (count < queue.size() && queue[count].acked.load(std::memory_order_acquire)) ++count;
    const sdk::SourceMap* latest = nullptr;
    for (std::size_t i = 0; i < count; ++i) {
      const Entry& entry = queue[i];
      on_acknowledged(entry.record, entry.position);
      if (!entry.record.source_offset.empty()) latest = &entry.record.source_offset;
    }
    if (latest != nullptr && !it->partition.empty()) offsets.emplace_back(it->partition, *latest);
    for (std::size_t i = 0; i < count; ++i) queue.pop_front();
    // An emptied partition is forgotten, except the one records are being submitted to: it
    // would be created again, its first chunk of entries with it, right after.
    if (queue.empty() && last_ != &*it) {
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

std::size_t SubmittedRecords::outstanding_records() const { return outstanding_records_.load(); }

std::size_t SubmittedRecords::outstanding_bytes() const { return outstanding_bytes_.load(); }

bool SubmittedRecords::wait_below(std::size_t max_bytes,
                                  std::chrono::steady_clock::time_point deadline,
                                  const std::function<bool()>& stop) {
  std::unique_lock lock(mutex_);
  // Waits for half the bound, so that the next wait is a while off (hysteresis).
  const std::size_t wake_at = max_bytes / 2;
  if (outstanding_bytes_.load() <= max_bytes) return true;
  waiting_for_.store(wake_at);
  changed_.wait_until(lock, deadline,
                      [&] { return outstanding_bytes_.load() <= wake_at || stop(); });
  waiting_for_.store(kNotWaiting);
  return outstanding_bytes_.load() <= max_bytes;
}

void SubmittedRecords::notify() {
  {
    std::scoped_lock lock(mutex_);
    waiting_for_.store(kNotWaiting);
  }
  changed_.notify_all();
}

}  // namespace ferry::runtime
