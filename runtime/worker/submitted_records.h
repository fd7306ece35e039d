// The records a source task sent and the broker has not yet acknowledged, and from them the
// source offsets that are safe to commit (Kafka Connect's SubmittedRecords): per source partition,
// the offset of the last record such that it and every record of that partition sent before it
// were acknowledged. Acknowledgements may arrive out of order across the producer's partitions;
// a source partition's offset still only moves past records that are all acknowledged, so a
// restart from a committed offset never skips an unacknowledged record.
//
// Thread-safety: hold(), submit(), take_acknowledged() and the waits run on the task's thread;
// ack() and ack_all() run on the producer's callback thread. They take no lock unless a
// wait_below() is waiting: a lock shared with submit() per record made the two threads wake each
// other for every record.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/sdk/record.h"
#include "ferry/sdk/source_connector.h"

namespace ferry::runtime {

class SubmittedRecords {
 public:
  class Entry;

  // The records one poll returned, kept where they are from hold() until take_acknowledged() has
  // handed out every one submitted: entries point into them, so no record is moved, and each is
  // destroyed once, together with the rest of its poll (a record moved into its entry was
  // destroyed twice, there and as the moved-from shell in the poll's vector).
  class Poll {
   public:
    explicit Poll(std::vector<sdk::SourceRecord> records) : records_(std::move(records)) {}
    const std::vector<sdk::SourceRecord>& records() const { return records_; }

   private:
    friend class SubmittedRecords;
    std::vector<sdk::SourceRecord> records_;
    std::size_t outstanding_ = 0;  // submitted and not yet handed out
  };

  // Takes a poll's records, to be submitted by index. Submitting to the previous poll ends here.
  Poll& hold(std::vector<sdk::SourceRecord> records);
  // Starts tracking poll.records()[index] as `bytes` (its converted size, for the memory bound).
  // The entry stays valid until take_acknowledged() hands it out acknowledged.
  Entry* submit(Poll& poll, std::size_t index, std::size_t bytes);
  // One record as a poll of its own.
  Entry* submit(sdk::SourceRecord record, std::size_t bytes);
  // The broker acknowledged the entry's record at position.
  void ack(Entry* entry, sdk::RecordPosition position);

  // An entry as the token a producer reports it by (broker::Producer::Listener), and back.
  static std::uint64_t token(Entry* entry) { return reinterpret_cast<std::uintptr_t>(entry); }
  static Entry* entry(std::uint64_t token) { return reinterpret_cast<Entry*>(token); }
  // The broker acknowledged the entries of tokens at offsets base_offset, base_offset + 1, ... of
  // topic's partition: ack() for each, with one update of the shared counts for all of them.
  void ack_all(std::span<const std::uint64_t> tokens, std::string_view topic,
               std::int32_t partition, std::int64_t base_offset);

  using SourceOffset = std::pair<sdk::SourceMap, sdk::SourceMap>;  // partition, offset
  using OnAcknowledged =
      std::function<void(const sdk::SourceRecord& record, const sdk::RecordPosition& position)>;
  // Hands every record acknowledged together with all before it in its source partition to
  // on_acknowledged (in send order per partition; for SourceTask::commit_record), forgets them,
  // and sets offsets to the offset now committable per source partition (the last such record's;
  // partitions and offsets that are empty maps are left out). Nothing is copied or moved: the
  // task thread calls this after every poll.
  void take_acknowledged(const OnAcknowledged& on_acknowledged, std::vector<SourceOffset>& offsets);

  // The same, gathered: for tests.
  struct Committable {
    std::vector<SourceOffset> offsets;
    std::vector<std::pair<sdk::SourceRecord, sdk::RecordPosition>> acknowledged;
  };
  Committable take_committable();

  std::size_t outstanding_records() const;
  std::size_t outstanding_bytes() const;
  // Waits until at most half of max_bytes are outstanding, or the deadline, or stop() says so
  // (stop() is checked when notify() wakes the wait). True when at most max_bytes are outstanding.
  bool wait_below(std::size_t max_bytes, std::chrono::steady_clock::time_point deadline,
                  const std::function<bool()>& stop);
  // Wakes a wait_below().
  void notify();

  class Entry {
   private:
    friend class SubmittedRecords;
    // In poll, from submit() until the entry is dropped.
    const sdk::SourceRecord* record = nullptr;
    Poll* poll = nullptr;
    sdk::RecordPosition position;
    std::size_t bytes = 0;
    // Set last by ack() (release); once the task thread reads it set (acquire), the entry is
    // the task thread's again.
    std::atomic<bool> acked{false};
  };

 private:
  // A FIFO of entries whose addresses stay put (the producer's callbacks hold them) and whose
  // storage is reused: a deque of records this size allocates one node per record.
  class EntryQueue {
   public:
    Entry& push_back();
    Entry& operator[](std::size_t i);
    // Resets the front entry for reuse and drops it.
    void pop_front();
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

   private:
    static constexpr std::size_t kChunkEntries = 128;
    using Chunk = std::array<Entry, kChunkEntries>;
    std::deque<std::unique_ptr<Chunk>> chunks_;
    // Emptied chunks, so that a steady flow allocates nothing: each poll's records take a few
    // dozen chunks (of some 10 KiB each), which one spare chunk did not cover.
    static constexpr std::size_t kSpareChunks = 64;
    std::vector<std::unique_ptr<Chunk>> spares_;
    std::size_t head_ = 0;  // of the front entry in chunks_.front()
    std::size_t size_ = 0;
  };

  static constexpr std::size_t kNotWaiting = std::numeric_limits<std::size_t>::max();

  // Counts records and bytes as acknowledged (their entries are flagged already) and wakes a
  // wait_below() that they bring within reach.
  void count_acknowledged(std::size_t records, std::size_t bytes);

  // The entry at the front was handed out: its poll is dropped once that was its last entry and
  // no more are to come.
  void release_front(EntryQueue& queue);

  // Polls with records not yet handed out, oldest first (they mostly end in that order), and the
  // one records are being submitted from; the task thread's.
  std::list<Poll> polls_;
  Poll* current_poll_ = nullptr;

  std::mutex mutex_;  // for changed_ only
  std::condition_variable changed_;
  struct Partition {
    sdk::SourcePartition partition;  // shared with its records: compared by pointer first
    EntryQueue entries;
  };
  // Source maps have no order, and tasks have few partitions: a list searched from the one of
  // the last record submitted, so a task with one source partition never searches.
  std::list<Partition> partitions_;
  Partition* last_ = nullptr;
  // Outstanding is submitted minus acknowledged. Each count has one writer, and the two writers'
  // counts sit on cache lines of their own: counts that both threads change for every record
  // moved their cache line between the cores each time.
  struct alignas(64) Submitted {  // written by the task thread only
    std::atomic<std::size_t> records{0};
    std::atomic<std::size_t> bytes{0};
  };
  struct alignas(64) Acknowledged {  // written by ack() only
    std::atomic<std::size_t> records{0};
    std::atomic<std::size_t> bytes{0};
    std::atomic<std::size_t> waiting_for{kNotWaiting};  // a wait_below()'s wake-up level
  };
  Submitted submitted_;
  Acknowledged acknowledged_;
};

}  // namespace ferry::runtime
