#include "runtime/worker/submitted_records.h"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace ferry::runtime {

SubmittedRecords::Entry& SubmittedRecords::EntryQueue::push_back() {
  const std::size_t slot = head_ + size_;
  if (slot == chunks_.size() * kChunkEntries) {
    if (spares_.empty()) {
      chunks_.push_back(std::make_unique<Chunk>());
    } else {
      chunks_.push_back(std::move(spares_.back()));
      spares_.pop_back();
    }
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
  front.record = nullptr;
  front.poll = nullptr;
  front.position.topic.clear();  // keeps its storage for the next ack_all()
  front.position.partition = 0;
  front.position.offset = -1;
  front.bytes = 0;
  front.acked.store(false, std::memory_order_relaxed);
  --size_;
  if (++head_ == kChunkEntries) {
    // Used up: kept for a later push_back, up to a bound.
    if (spares_.size() < kSpareChunks) spares_.push_back(std::move(chunks_.front()));
    chunks_.pop_front();
    head_ = 0;
  } else if (size_ == 0) {
    head_ = 0;  // the one chunk left starts over
  }
}

SubmittedRecords::Poll& SubmittedRecords::hold(std::vector<sdk::SourceRecord> records) {
  if (current_poll_ != nullptr && current_poll_->outstanding_ == 0) {
    polls_.pop_back();  // all handed out already (or none submitted)
  }
  current_poll_ = &polls_.emplace_back(std::move(records));
  return *current_poll_;
}

SubmittedRecords::Entry* SubmittedRecords::submit(sdk::SourceRecord record, std::size_t bytes) {
  std::vector<sdk::SourceRecord> one;
  one.push_back(std::move(record));
  return submit(hold(std::move(one)), 0, bytes);
}

SubmittedRecords::Entry* SubmittedRecords::submit(Poll& poll, std::size_t index,
                                                  std::size_t bytes) {
  const sdk::SourceRecord& record = poll.records_[index];
  // partitions_, the queues and the polls are the task thread's alone (see take_acknowledged).
  if (last_ == nullptr || last_->partition != record.source_partition) {
    last_ = nullptr;
    for (Partition& partition : partitions_) {
      if (partition.partition == record.source_partition) last_ = &partition;
    }
    if (last_ == nullptr) last_ = &partitions_.emplace_back(Partition{record.source_partition, {}});
  }
  Entry& entry = last_->entries.push_back();
  entry.record = &record;
  entry.poll = &poll;
  entry.bytes = bytes;
  ++poll.outstanding_;
  // This thread's alone to write: no read-modify-write needed.
  submitted_.records.store(submitted_.records.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
  submitted_.bytes.store(submitted_.bytes.load(std::memory_order_relaxed) + bytes,
                         std::memory_order_relaxed);
  return &entry;
}

void SubmittedRecords::release_front(EntryQueue& queue) {
  Poll* const poll = queue[0].poll;
  queue.pop_front();
  if (--poll->outstanding_ > 0 || poll == current_poll_) return;
  const auto it =
      std::find_if(polls_.begin(), polls_.end(), [poll](const Poll& p) { return &p == poll; });
  polls_.erase(it);
}

void SubmittedRecords::ack(Entry* entry, sdk::RecordPosition position) {
  entry->position = std::move(position);
  const std::size_t bytes = entry->bytes;
  // From here on the task thread may reuse the entry: it is not touched again.
  entry->acked.store(true, std::memory_order_release);
  count_acknowledged(1, bytes);
}

void SubmittedRecords::ack_all(std::span<const std::uint64_t> tokens, std::string_view topic,
                               std::int32_t partition, std::int64_t base_offset) {
  std::size_t bytes = 0;
  for (const std::uint64_t token : tokens) {
    Entry& acked = *entry(token);
    // Assigned, not replaced: the entry's reused string keeps its storage.
    acked.position.topic.assign(topic);
    acked.position.partition = partition;
    acked.position.offset = base_offset++;
    bytes += acked.bytes;
    // From here on the task thread may reuse the entry: it is not touched again.
    acked.acked.store(true, std::memory_order_release);
  }
  count_acknowledged(tokens.size(), bytes);
}

void SubmittedRecords::count_acknowledged(std::size_t records, std::size_t bytes) {
  acknowledged_.records.fetch_add(records, std::memory_order_relaxed);
  // Sequentially consistent with wait_below's store of waiting_for and its read of the bytes:
  // either this sees the waiter's level or the waiter sees these bytes acknowledged.
  const std::size_t acknowledged = acknowledged_.bytes.fetch_add(bytes) + bytes;
  const std::size_t wake_at = acknowledged_.waiting_for.load();
  if (wake_at == kNotWaiting) return;
  // A waiter submits nothing while it waits, and it set its level after its last submit, so the
  // submitted bytes read here are final (the load above acquired them).
  const std::size_t outstanding = submitted_.bytes.load(std::memory_order_relaxed) - acknowledged;
  // Only the ack that brings a waiter's bound within reach wakes it: waking for every ack
  // costs the task thread more than the acks themselves.
  if (outstanding > wake_at) return;
  {
    // The waiter holds the mutex from setting its level until it sleeps, so this notify cannot
    // fall between its last check and its sleep.
    std::scoped_lock lock(mutex_);
    acknowledged_.waiting_for.store(kNotWaiting);
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
      on_acknowledged(*entry.record, entry.position);
      if (!entry.record->source_offset.empty()) latest = &entry.record->source_offset;
    }
    if (latest != nullptr && !it->partition.empty()) offsets.emplace_back(it->partition, *latest);
    for (std::size_t i = 0; i < count; ++i) release_front(queue);
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

std::size_t SubmittedRecords::outstanding_records() const {
  const std::size_t acknowledged = acknowledged_.records.load(std::memory_order_relaxed);
  return submitted_.records.load(std::memory_order_relaxed) - acknowledged;
}

std::size_t SubmittedRecords::outstanding_bytes() const {
  const std::size_t acknowledged = acknowledged_.bytes.load();
  return submitted_.bytes.load(std::memory_order_relaxed) - acknowledged;
}

bool SubmittedRecords::wait_below(std::size_t max_bytes,
                                  std::chrono::steady_clock::time_point deadline,
                                  const std::function<bool()>& stop) {
  std::unique_lock lock(mutex_);
  // Waits for half the bound, so that the next wait is a while off (hysteresis).
  const std::size_t wake_at = max_bytes / 2;
  if (outstanding_bytes() <= max_bytes) return true;
  acknowledged_.waiting_for.store(wake_at);
  changed_.wait_until(lock, deadline, [&] { return outstanding_bytes() <= wake_at || stop(); });
  acknowledged_.waiting_for.store(kNotWaiting);
  return outstanding_bytes() <= max_bytes;
}

void SubmittedRecords::notify() {
  {
    std::scoped_lock lock(mutex_);
    acknowledged_.waiting_for.store(kNotWaiting);
  }
  changed_.notify_all();
}

}  // namespace ferry::runtime
