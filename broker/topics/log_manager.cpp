#include "broker/topics/log_manager.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "broker/storage/file.h"
#include "broker/storage/log_cleaner.h"
#include "broker/topics/topic_name.h"
#include "common/thread_name.h"

namespace ferry::broker {
namespace {

namespace fs = std::filesystem;

constexpr std::int32_t kMaxPartitions = 10000;

std::string random_topic_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device random;
  std::uint8_t bytes[16];
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(random());
  std::string id;
  for (int i = 0; i < 16; i += 3) {
    const std::uint32_t group =
        (bytes[i] << 16) | (i + 1 < 16 ? bytes[i + 1] << 8 : 0) | (i + 2 < 16 ? bytes[i + 2] : 0);
    id.push_back(kAlphabet[group >> 18]);
    id.push_back(kAlphabet[(group >> 12) & 63]);
    if (i + 1 < 16) id.push_back(kAlphabet[(group >> 6) & 63]);
    if (i + 2 < 16) id.push_back(kAlphabet[group & 63]);
  }
  return id;
}

fs::path partition_directory(const fs::path& data, const std::string& topic,
                             std::int32_t partition) {
  return data / (topic + "-" + std::to_string(partition));
}

Result<TopicDescription> read_metadata(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return Status::not_found(path.string() + ": cannot read");
  TopicDescription topic;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    const std::size_t equals = line.find('=');
    if (equals == std::string::npos) {
      return Status::corruption(path.string() + ":" + std::to_string(number) + ": no '='");
    }
    const std::string key = line.substr(0, equals);
    const std::string value = line.substr(equals + 1);
    if (key == "name") {
      topic.name = value;
    } else if (key == "topic.id") {
      topic.topic_id = value;
    } else if (key == "partitions") {
      try {
        topic.partitions = std::stoi(value);
      } catch (const std::exception&) {
        return Status::corruption(path.string() + ":" + std::to_string(number) +
                                  ": partitions is not a number");
      }
    } else if (key.starts_with("config.")) {
      topic.overrides[key.substr(7)] = value;
    }
  }
  if (topic.name.empty() || topic.partitions < 1) {
    return Status::corruption(path.string() + ": no name or partition count");
  }
  return topic;
}

}  // namespace

LogManager::LogManager(LogManagerOptions options) : options_(std::move(options)) {
  if (!options_.now_ms) {
    options_.now_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

Result<std::unique_ptr<LogManager>> LogManager::open(LogManagerOptions options) {
  std::unique_ptr<LogManager> manager(new LogManager(std::move(options)));
  const fs::path& data = manager->options_.data_directory;
  const LogAccess access = manager->options_.access;
  if (access == LogAccess::kReadOnly) return open_read_only(std::move(manager));
  std::error_code error;
  fs::create_directories(data / ".topics", error);
  if (error) return Status::fatal(data.string() + ": cannot create: " + error.message());

  manager->lock_fd_ = ::open((data / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (manager->lock_fd_ < 0) {
    return Status::fatal((data / ".lock").string() + ": cannot open: " + std::strerror(errno));
  }
  // flock locks belong to the open file description: a second open, in this process or another,
  // is refused while the first is held.
  if (::flock(manager->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int code = errno;
    ::close(manager->lock_fd_);
    manager->lock_fd_ = -1;
    if (code != EWOULDBLOCK) {
      return Status::fatal((data / ".lock").string() + ": cannot lock: " + std::strerror(code));
    }
    if (access == LogAccess::kReadWrite) {
      return Status::conflict(data.string() + " is in use by another broker (its .lock is held)");
    }
    manager->locked_elsewhere_ = true;
    return open_read_only(std::move(manager));
  }
  const fs::path marker = data / ".clean_shutdown";
  const bool clean = fs::exists(marker);
  if (Status status = manager->load(clean); !status.ok()) return status;
  manager->loaded_ = true;
  // From here on a crash is an unclean shutdown.
  fs::remove(marker, error);
  if (Status status = sync_directory(data); !status.ok()) return status;
  manager->last_retention_check_ms_ = manager->now_ms();
  manager->maintenance_ = std::jthread(
      [raw = manager.get()](std::stop_token stop) { raw->maintenance_loop(std::move(stop)); });
  return manager;
}

Result<std::unique_ptr<LogManager>> LogManager::open_read_only(
    std::unique_ptr<LogManager> manager) {
  const fs::path& data = manager->options_.data_directory;
  std::error_code error;
  if (!fs::is_directory(data, error)) {
    return Status::not_found(data.string() + ": no such data directory");
  }
  manager->read_only_ = true;
  manager->options_.auto_create_topics = false;
  std::unique_lock lock(manager->mutex_);
  manager->refresh_topics_locked();
  lock.unlock();
  return manager;
}

void LogManager::refresh_topics_locked() const {
  std::set<std::string> listed;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(options_.data_directory / ".topics", error)) {
    if (entry.path().extension() != ".properties") continue;
    listed.insert(entry.path().stem().string());
  }
  if (error) return;  // the view stays as it was
  for (const std::string& name : listed) refresh_topic_locked(name);
  for (auto it = topics_.begin(); it != topics_.end();) {
    it = listed.contains(it->first) ? std::next(it) : topics_.erase(it);
  }
}

void LogManager::refresh_topic_locked(const std::string& name) const {
  const fs::path path = options_.data_directory / ".topics" / (name + ".properties");
  const auto it = topics_.find(name);
  // The file is read every time: it is small, and comparing its inode instead would miss a
  // replacement that reuses the inode of the file it replaced.
  auto description = read_metadata(path);
  if (!description.ok()) {
    if (description.status().kind() == Status::Kind::kNotFound) {
      if (it != topics_.end()) topics_.erase(it);  // the writer deleted the topic
    } else {
      note(description.status().message() + "; read-only: the topic is left out");
    }
    return;
  }
  if (description->name != name) {
    note(path.string() + ": names topic " + description->name + "; read-only: left out");
    return;
  }
  if (it != topics_.end() && it->second.description.topic_id == description->topic_id) {
    Topic& topic = it->second;
    if (topic.description.overrides == description->overrides &&
        topic.description.partitions == description->partitions) {
      return;
    }
    // The same topic, altered: its config changed, or it has more partitions.
    auto config = apply_topic_config(description->overrides, options_.defaults);
    if (!config.ok()) {
      note(config.status().with_context("topic " + name).message());
      return;
    }
    description->config = *config;
    description->internal = is_internal_topic(name);
    for (auto& partition : topic.partitions) partition->set_config(*config);
    for (auto p = static_cast<std::int32_t>(topic.partitions.size()); p < description->partitions;
         ++p) {
      std::vector<std::string> notes;
      auto log = PartitionLog::open_read_only(partition_directory(options_.data_directory, name, p),
                                              *config, notes);
      for (const std::string& message : notes) note(message);
      if (!log.ok()) {
        note(log.status().message());
        return;
      }
      topic.partitions.push_back(std::move(*log));
    }
    topic.description = std::move(*description);
    return;
  }
  // New, or deleted and created again under the same name.
  auto topic = open_topic(std::move(*description), true);
  if (!topic.ok()) {
    note(topic.status().message() + "; read-only: the topic is left out");
    return;
  }
  topics_[name] = std::move(*topic);
}

Status LogManager::refuse_write(const std::string& operation) const {
  return Status::conflict(
      options_.data_directory.string() + " is open read-only" +
      (locked_elsewhere_ ? ": a running broker holds it (its .lock is held)" : "") + "; cannot " +
      operation);
}

LogManager::~LogManager() {
  if (maintenance_.joinable()) {
    maintenance_.request_stop();
    maintenance_cv_.notify_all();
    maintenance_.join();
  }
  if (read_only_) return;  // nothing to flush, no marker: the directory is the writer's
  // Only a manager that opened every topic may call the shutdown clean: after a failed open,
  // the next one must still recover.
  bool all_flushed = loaded_;
  {
    std::unique_lock lock(mutex_);
    for (auto& [name, topic] : topics_) {
      for (auto& partition : topic.partitions) {
        if (Status status = partition->close(); !status.ok()) {
          note(status.message());
          all_flushed = false;
        }
      }
    }
    topics_.clear();
  }
  if (all_flushed) {
    const fs::path marker = options_.data_directory / ".clean_shutdown";
    std::ofstream(marker).put('\n');
    (void)sync_directory(options_.data_directory);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void LogManager::note(const std::string& message) const {
  if (options_.log) options_.log(message);
}

Status LogManager::load(bool clean_shutdown) {
  const fs::path& data = options_.data_directory;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(data / ".topics", error)) {
    if (entry.path().extension() != ".properties") continue;
    auto description = read_metadata(entry.path());
    if (!description.ok()) return description.status();
    auto topic = open_topic(std::move(*description), clean_shutdown);
    if (!topic.ok()) return topic.status();
    topics_.emplace(topic->description.name, std::move(*topic));
  }
  if (error) return Status::fatal(data.string() + ": cannot list: " + error.message());
  for (const auto& entry : fs::directory_iterator(data, error)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".")) continue;
    const std::size_t dash = name.rfind('-');
    const std::string topic = dash == std::string::npos ? name : name.substr(0, dash);
    if (!topics_.contains(topic)) {
      note(entry.path().string() + ": a partition directory of no known topic; left as it is");
    }
  }
  return Status::ok_status();
}

Result<LogManager::Topic> LogManager::open_topic(TopicDescription description,
                                                 bool clean_shutdown) const {
  auto config = apply_topic_config(description.overrides, options_.defaults);
  if (!config.ok()) return config.status().with_context("topic " + description.name);
  description.config = *config;
  description.internal = is_internal_topic(description.name);
  Topic topic;
  for (std::int32_t p = 0; p < description.partitions; ++p) {
    std::vector<std::string> notes;
    const fs::path directory = partition_directory(options_.data_directory, description.name, p);
    auto log = read_only_
                   ? PartitionLog::open_read_only(directory, description.config, notes)
                   : PartitionLog::open(directory, description.config, clean_shutdown, notes);
    for (const std::string& message : notes) note(message);
    if (!log.ok()) return log.status();
    topic.partitions.push_back(std::move(*log));
  }
  topic.description = std::move(description);
  return topic;
}

Status LogManager::write_metadata(const TopicDescription& topic) const {
  std::ostringstream out;
  out << "# Ferry topic metadata; written by the broker, do not edit while it runs\n"
      << "name=" << topic.name << "\n"
      << "topic.id=" << topic.topic_id << "\n"
      << "partitions=" << topic.partitions << "\n";
  for (const auto& [key, value] : topic.overrides) out << "config." << key << "=" << value << "\n";
  return write_file_atomically(options_.data_directory / ".topics" / (topic.name + ".properties"),
                               out.str());
}

Status LogManager::create_topic(const std::string& name, std::int32_t partitions,
                                const ConfigEntries& overrides) {
  if (read_only_) return refuse_write("create topic " + name);
  std::unique_lock lock(mutex_);
  return create_topic_locked(name, partitions, overrides);
}

Status LogManager::create_topic_locked(const std::string& name, std::int32_t partitions,
                                       const ConfigEntries& overrides) {
  if (Status status = validate_topic_name(name); !status.ok()) return status;
  if (partitions < 1) {
    return Status::invalid_argument("Number of partitions must be larger than 0.");
  }
  if (partitions > kMaxPartitions) {
    return Status::invalid_argument("Number of partitions must be at most " +
                                    std::to_string(kMaxPartitions) + ".");
  }
  if (topics_.contains(name)) {
    return Status::conflict("Topic '" + name + "' already exists.");
  }
  const std::string unified = unify_collision_chars(name);
  for (const auto& [existing, topic] : topics_) {
    if (unify_collision_chars(existing) == unified) {
      return Status::conflict("Topic '" + name + "' collides with existing topic: " + existing);
    }
  }
  auto config = apply_topic_config(overrides, options_.defaults);
  if (!config.ok()) return config.status();

  TopicDescription description;
  description.name = name;
  description.topic_id = random_topic_id();
  description.partitions = partitions;
  description.overrides = overrides;
  // The metadata goes first: a crash before the directories exist leaves a topic whose missing
  // partitions the next open creates, never directories nobody knows.
  if (Status status = write_metadata(description); !status.ok()) return status;
  auto topic = open_topic(std::move(description), true);
  if (!topic.ok()) return topic.status();
  topics_.emplace(name, std::move(*topic));
  return Status::ok_status();
}

Status LogManager::delete_topic(const std::string& name) {
  if (read_only_) return refuse_write("delete topic " + name);
  std::unique_lock lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) {
    return Status::not_found("Topic '" + name + "' does not exist.");
  }
  std::error_code error;
  fs::remove(options_.data_directory / ".topics" / (name + ".properties"), error);
  if (error) return Status::fatal("cannot delete the metadata of " + name + ": " + error.message());
  if (Status status = sync_directory(options_.data_directory / ".topics"); !status.ok()) {
    return status;
  }
  for (auto& partition : it->second.partitions) {
    if (Status status = partition->remove(); !status.ok()) note(status.message());
  }
  topics_.erase(it);
  return Status::ok_status();
}

Status LogManager::alter_topic_config(const std::string& name, const ConfigEntries& overrides) {
  if (read_only_) return refuse_write("alter topic " + name);
  std::unique_lock lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) return Status::not_found("Topic '" + name + "' does not exist.");
  auto config = apply_topic_config(overrides, options_.defaults);
  if (!config.ok()) return config.status();
  TopicDescription description = it->second.description;
  description.overrides = overrides;
  description.config = *config;
  if (Status status = write_metadata(description); !status.ok()) return status;
  it->second.description = std::move(description);
  for (auto& partition : it->second.partitions) partition->set_config(*config);
  return Status::ok_status();
}

Status LogManager::add_partitions(const std::string& name, std::int32_t partitions) {
  if (read_only_) return refuse_write("add partitions to topic " + name);
  std::unique_lock lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) return Status::not_found("Topic '" + name + "' does not exist.");
  Topic& topic = it->second;
  if (partitions <= topic.description.partitions) {
    return Status::invalid_argument(
        "Topic currently has " + std::to_string(topic.description.partitions) +
        " partitions, which is higher than the requested " + std::to_string(partitions) + ".");
  }
  if (partitions > kMaxPartitions) {
    return Status::invalid_argument("Number of partitions must be at most " +
                                    std::to_string(kMaxPartitions) + ".");
  }
  TopicDescription description = topic.description;
  description.partitions = partitions;
  if (Status status = write_metadata(description); !status.ok()) return status;
  for (std::int32_t p = topic.description.partitions; p < partitions; ++p) {
    std::vector<std::string> notes;
    auto log = PartitionLog::open(partition_directory(options_.data_directory, name, p),
                                  description.config, true, notes);
    for (const std::string& message : notes) note(message);
    if (!log.ok()) return log.status();
    topic.partitions.push_back(std::move(*log));
  }
  topic.description.partitions = partitions;
  return Status::ok_status();
}

std::vector<std::string> LogManager::list_topics() const {
  if (read_only_) {
    std::unique_lock lock(mutex_);
    refresh_topics_locked();
  }
  std::shared_lock lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, topic] : topics_) names.push_back(name);
  return names;
}

Result<TopicDescription> LogManager::describe_topic(const std::string& name) const {
  if (read_only_) {
    std::unique_lock lock(mutex_);
    refresh_topic_locked(name);
  }
  std::shared_lock lock(mutex_);
  const auto it = topics_.find(name);
  if (it == topics_.end()) return Status::not_found("Topic '" + name + "' does not exist.");
  return it->second.description;
}

Result<std::shared_ptr<PartitionLog>> LogManager::partition(const std::string& topic,
                                                            std::int32_t partition) const {
  {
    std::shared_lock lock(mutex_);
    auto log = partition_locked(topic, partition);
    // The hot path of every fetch: a read-only manager looks at the metadata only on a miss.
    if (log.ok() || !read_only_) return log;
  }
  std::unique_lock lock(mutex_);
  refresh_topic_locked(topic);
  return partition_locked(topic, partition);
}

Result<std::shared_ptr<PartitionLog>> LogManager::partition_locked(const std::string& topic,
                                                                   std::int32_t partition) const {
  const auto it = topics_.find(topic);
  if (it == topics_.end()) {
    return Status::not_found("This server does not host this topic-partition: " + topic + "-" +
                             std::to_string(partition) + " (no topic " + topic + ")");
  }
  if (partition < 0 || partition >= static_cast<std::int32_t>(it->second.partitions.size())) {
    return Status::not_found("This server does not host this topic-partition: " + topic + "-" +
                             std::to_string(partition) + " (the topic has " +
                             std::to_string(it->second.partitions.size()) + " partitions)");
  }
  return it->second.partitions[static_cast<std::size_t>(partition)];
}

Result<AppendResult> LogManager::append(const std::string& topic, std::int32_t partition,
                                        std::span<std::uint8_t> batches) {
  auto log = partition_for_append(topic, partition);
  if (!log.ok()) return log.status();
  auto result = (*log)->append(batches, now_ms());
  if (result.ok()) notify_append();
  return result;
}

Result<ProducerAppend> LogManager::append_idempotent(const std::string& topic,
                                                     std::int32_t partition,
                                                     std::span<std::uint8_t> batch,
                                                     bool new_producer) {
  auto log = partition_for_append(topic, partition);
  if (!log.ok()) return log.status();
  auto result = (*log)->append_idempotent(batch, now_ms(), new_producer);
  if (result.ok() && result->verdict == ProducerVerdict::kAppend) notify_append();
  return result;
}

std::int64_t LogManager::max_producer_id() const {
  std::shared_lock lock(mutex_);
  std::int64_t max = -1;
  for (const auto& [name, topic] : topics_) {
    for (const auto& partition : topic.partitions) {
      max = std::max(max, partition->max_producer_id());
    }
  }
  return max;
}

void LogManager::notify_append() {
  {
    std::lock_guard lock(append_mutex_);
    appends_.fetch_add(1, std::memory_order_relaxed);
  }
  append_cv_.notify_all();
}

Result<std::shared_ptr<PartitionLog>> LogManager::partition_for_append(const std::string& topic,
                                                                       std::int32_t partition) {
  if (read_only_) return refuse_write("append to " + topic + "-" + std::to_string(partition));
  auto log = this->partition(topic, partition);
  if (!log.ok() && options_.auto_create_topics) {
    std::unique_lock lock(mutex_);
    if (!topics_.contains(topic)) {
      if (Status status = create_topic_locked(topic, options_.default_partitions, {});
          !status.ok()) {
        return status;
      }
    }
    lock.unlock();
    log = this->partition(topic, partition);
  }
  return log;
}

std::uint64_t LogManager::append_count() const { return appends_.load(std::memory_order_relaxed); }

void LogManager::wait_for_append(std::uint64_t seen,
                                 std::chrono::steady_clock::time_point deadline) const {
  if (read_only_) {
    // The appends happen in another process, unseen: the wait counts as one (header comment).
    std::this_thread::sleep_until(
        std::min(deadline, std::chrono::steady_clock::now() + kReadOnlyPollInterval));
    {
      std::lock_guard lock(append_mutex_);
      appends_.fetch_add(1, std::memory_order_relaxed);
    }
    append_cv_.notify_all();
    return;
  }
  std::unique_lock lock(append_mutex_);
  append_cv_.wait_until(lock, deadline, [&] { return appends_.load() != seen; });
}

void LogManager::run_maintenance() {
  if (read_only_) return;  // the writer's work
  std::lock_guard serial(maintenance_run_mutex_);
  std::vector<std::shared_ptr<PartitionLog>> partitions;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [name, topic] : topics_) {
      partitions.insert(partitions.end(), topic.partitions.begin(), topic.partitions.end());
    }
  }
  const std::int64_t now = now_ms();
  const bool retention_due = now - last_retention_check_ms_ >= options_.retention_check_interval_ms;
  if (retention_due) last_retention_check_ms_ = now;
  const bool cleaning_due = now - last_cleaner_run_ms_ >= options_.cleaner_interval_ms;
  if (cleaning_due) last_cleaner_run_ms_ = now;
  for (const auto& partition : partitions) {
    if (Status status = partition->flush_if_due(now); !status.ok()) note(status.message());
    if (retention_due) {
      auto deleted = partition->apply_retention(now);
      if (!deleted.ok()) {
        note(deleted.status().message());
      } else if (*deleted > 0) {
        note(partition->directory().filename().string() + ": retention deleted " +
             std::to_string(*deleted) + " segment(s); the log now starts at offset " +
             std::to_string(partition->log_start_offset()));
      }
    }
  }
  if (!cleaning_due) return;
  // After every fsync and retention of this round, since compacting a large log takes a while.
  const LogCleaner cleaner;
  for (const auto& partition : partitions) {
    const LogConfig config = partition->config();
    // Kafka cleans a log whose cleanable ratio is above the minimum, not at it.
    if (!config.cleanup_compact ||
        LogCleaner::dirty_ratio(*partition) <= config.min_cleanable_dirty_ratio) {
      continue;
    }
    const std::string name = partition->directory().filename().string();
    auto stats = cleaner.clean(*partition, now);
    if (!stats.ok()) {
      note(stats.status().message());
      continue;
    }
    for (const std::string& message : stats->notes) note(message);
    if (stats->segments_read > 0) {
      note(name + ": compaction kept " + std::to_string(stats->records_kept) + " of " +
           std::to_string(stats->records_read) + " records, removed " +
           std::to_string(stats->tombstones_removed) + " tombstones, " +
           std::to_string(stats->bytes_read) + " -> " + std::to_string(stats->bytes_written) +
           " bytes");
    }
    if (stats->dedupe_buffer_full) {
      note(name + ": the compaction's dedupe buffer filled up; compacted up to offset " +
           std::to_string(stats->end_offset) + ", the rest follows in the next round");
    }
    if (stats->aborted) {
      note(name + ": compaction gave way to retention or deletion; it will be retried");
    }
  }
}

void LogManager::maintenance_loop(std::stop_token stop) {
  name_this_thread("log-maintenance");
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(maintenance_mutex_);
      maintenance_cv_.wait_for(lock, stop,
                               std::chrono::milliseconds(options_.flush_check_interval_ms),
                               [] { return false; });
    }
    if (stop.stop_requested()) break;
    run_maintenance();
  }
}

}  // namespace ferry::broker
