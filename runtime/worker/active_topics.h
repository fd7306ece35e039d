// The topics each connector's tasks have produced to or consumed from since the connector was
// created or its topics were last reset (Kafka Connect's TopicStatus, KIP-558), for
// GET /connectors/{c}/topics. Kept in memory, as Kafka's standalone worker keeps them.
//
// Tasks record through a Recorder, which remembers what it already recorded so that the record
// path costs one string comparison while the topic stays the same; a reset (or the connector's
// deletion) changes the store's generation, after which every Recorder records again.
//
// Thread-safety: ActiveTopics may be used from any thread; a Recorder belongs to one task thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ferry::runtime {

class ActiveTopics {
 public:
  void put(const std::string& connector, const std::string& topic);
  std::vector<std::string> topics(const std::string& connector) const;  // sorted
  // Forgets the connector's topics (PUT /connectors/{c}/topics/reset, or the connector deleted).
  void reset(const std::string& connector);

  class Recorder {
   public:
    Recorder(ActiveTopics& store, std::string connector)
        : store_(&store), connector_(std::move(connector)) {}
    void record(const std::string& topic) {
      if (topic == last_ && store_->generation_.load(std::memory_order_acquire) == generation_) {
        return;
      }
      record_slow(topic);
    }

   private:
    void record_slow(const std::string& topic);

    ActiveTopics* store_;
    std::string connector_;
    std::string last_;
    std::uint64_t generation_ = 0;
    std::set<std::string> recorded_;  // since generation_
  };

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::set<std::string>> topics_;
  // Changes at every reset; starts at 1 so that a new Recorder (generation 0) records first.
  std::atomic<std::uint64_t> generation_{1};
};

}  // namespace ferry::runtime
