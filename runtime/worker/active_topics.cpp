#include "runtime/worker/active_topics.h"

namespace ferry::runtime {

void ActiveTopics::put(const std::string& connector, const std::string& topic) {
  std::scoped_lock lock(mutex_);
  topics_[connector].insert(topic);
}

std::vector<std::string> ActiveTopics::topics(const std::string& connector) const {
  std::scoped_lock lock(mutex_);
  const auto found = topics_.find(connector);
  if (found == topics_.end()) return {};
  return {found->second.begin(), found->second.end()};
}

void ActiveTopics::reset(const std::string& connector) {
  std::scoped_lock lock(mutex_);
  topics_.erase(connector);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

void ActiveTopics::Recorder::record_slow(const std::string& topic) {
  // Read before put(): a reset that lands in between bumps the generation again, so the topic is
  // recorded once more on the next record rather than lost.
  const std::uint64_t generation = store_->generation_.load(std::memory_order_acquire);
  if (generation != generation_) {
    recorded_.clear();
    generation_ = generation;
  }
  if (recorded_.insert(topic).second) store_->put(connector_, topic);
  last_ = topic;
}

}  // namespace ferry::runtime
