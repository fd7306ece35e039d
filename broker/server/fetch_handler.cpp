// Fetch (with its long poll) and ListOffsets: the read side of the protocol.
//
// A fetch that finds fewer than min.bytes waits: it is registered with this handler's append
// watcher (watch_appends, a thread that wakes on every append to the LogManager and reads the
// waiting fetches again) and a timer on the connection's executor answers it at max.wait.ms with
// whatever is there. Whichever comes first answers; the `answered` flag makes it exactly once.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/server/request_handler.h"
#include "common/thread_name.h"

namespace ferry::broker {

using protocol::ErrorCode;

namespace {
// How long the append watcher sleeps when nothing is appended: the bound on how late it notices
// that it is being destroyed.
constexpr std::chrono::milliseconds kWatcherIdleWait{100};
}  // namespace

struct RequestHandler::DelayedFetch {
  DelayedFetch(protocol::Request request, Respond respond, boost::asio::any_io_executor executor,
               std::int64_t min_bytes)
      : request(std::move(request)),
        respond(std::move(respond)),
        executor(executor),
        timer(executor),
        min_bytes(min_bytes) {}

  protocol::Request request;
  Respond respond;
  boost::asio::any_io_executor executor;
  boost::asio::steady_timer timer;  // used on executor only
  std::int64_t min_bytes;
  std::atomic<bool> answered{false};
};

std::pair<protocol::Struct, std::size_t> RequestHandler::read_fetch(
    const protocol::Request& request) const {
  const Struct& body = request.body;
  Struct response(request.api->response);
  const bool read_committed = body.integer("IsolationLevel") == 1;
  std::int64_t budget = body.integer("MaxBytes");
  std::size_t total = 0;
  for (const Struct& topic : body.structs("Topics")) {
    const std::string& name = topic.string("Topic");
    Struct& topic_response = response.add("Responses");
    topic_response.set_string("Topic", name);
    for (const Struct& partition : topic.structs("Partitions")) {
      const auto index = static_cast<std::int32_t>(partition.integer("Partition"));
      Struct& result = topic_response.add("Partitions");
      result.set_integer("PartitionIndex", index).set_integer("HighWatermark", -1);
      if (read_committed) {
        result.set_integers("AbortedTransactions", {});
      } else {
        result.set_null("AbortedTransactions");
      }
      auto log = broker_.logs().partition(name, index);
      if (!log.ok()) {
        result.set_integer("ErrorCode", static_cast<std::int16_t>(error_code_for(log.status())));
        continue;
      }
      const std::int64_t end = (*log)->log_end_offset();
      result.set_integer("HighWatermark", end)
          .set_integer("LastStableOffset", end)
          .set_integer("LogStartOffset", (*log)->log_start_offset());
      const std::int64_t offset = partition.integer("FetchOffset");
      // Kafka answers at least one batch of the first partition with data, even past the
      // budget, so a consumer always makes progress; the others share what is left.
      if (offset == end || (budget <= 0 && total > 0)) continue;
      const std::int64_t limit =
          std::max<std::int64_t>(0, std::min(partition.integer("PartitionMaxBytes"), budget));
      auto read = (*log)->locate(offset, static_cast<std::uint64_t>(limit));
      if (!read.ok()) {
        result.set_integer("ErrorCode", static_cast<std::int16_t>(error_code_for(read.status())));
        continue;
      }
      // The batches are not copied into the response: it refers to them, and the session
      // sends them from where they are (protocol::EncodedFrame): from the segment's file with
      // sendfile, the response keeping the file open, or (a read-only log) from memory.
      protocol::RecordsRef records;
      if (read->file) {
        const FileRange& range = *read->file;
        records = {.owner = range.file,
                   .descriptor = range.file->descriptor(),
                   .position = range.position,
                   .size = static_cast<std::size_t>(range.size),
                   .file = range.file->path().string()};
      } else {
        auto bytes = std::make_shared<const SegmentBytes>(std::move(read->records));
        records = {.data = bytes->data(), .size = bytes->size()};
        records.owner = std::move(bytes);
      }
      total += records.size;
      budget -= static_cast<std::int64_t>(records.size);
      result.set_integer("HighWatermark", read->high_watermark)
          .set_integer("LastStableOffset", read->high_watermark)
          .set_integer("LogStartOffset", read->log_start_offset)
          .set_records("Records", std::move(records));
    }
  }
  return {std::move(response), total};
}

void RequestHandler::fetch(protocol::Request request, const RequestContext& context,
                           Respond respond) {
  const std::uint64_t seen = broker_.logs().append_count();
  auto [response, bytes] = read_fetch(request);
  const std::int64_t max_wait = request.body.integer("MaxWaitMs");
  const std::int64_t min_bytes = request.body.integer("MinBytes");
  if (max_wait <= 0 || static_cast<std::int64_t>(bytes) >= min_bytes) {
    return respond(std::move(response));
  }
  auto delayed = std::make_shared<DelayedFetch>(std::move(request), std::move(respond),
                                                context.executor, min_bytes);
  delayed->timer.expires_after(std::chrono::milliseconds(max_wait));
  delayed->timer.async_wait([this, delayed](const boost::system::error_code&) {
    if (delayed->answered.exchange(true)) return;
    delayed->respond(read_fetch(delayed->request).first);
  });
  {
    std::lock_guard lock(delayed_mutex_);
    delayed_.push_back(delayed);
  }
  delayed_added_.notify_one();
  // An append between the read above and the registration: the watcher may have looked before
  // this fetch was registered, so look again here.
  if (broker_.logs().append_count() != seen) {
    auto [again, again_bytes] = read_fetch(delayed->request);
    if (static_cast<std::int64_t>(again_bytes) >= min_bytes && !delayed->answered.exchange(true)) {
      delayed->timer.cancel();  // on the connection's executor: this is its handler
      delayed->respond(std::move(again));
    }
  }
}

void RequestHandler::watch_appends(std::stop_token stop) {
  name_this_thread("fetch-waiter");
  std::uint64_t last_seen = broker_.logs().append_count();
  while (!stop.stop_requested()) {
    // With no fetch waiting, appends are not watched at all: a worker producing and consuming
    // in-process would otherwise wake this thread for every batch.
    bool woken_by_fetch = false;
    {
      std::unique_lock lock(delayed_mutex_);
      std::erase_if(delayed_, [](const auto& fetch) { return fetch->answered.load(); });
      if (delayed_.empty()) {
        if (!delayed_added_.wait(lock, stop, [this] { return !delayed_.empty(); })) return;
        woken_by_fetch = true;
      }
    }
    // A fetch registered while appends went unwatched is read at once: an append may have come
    // after its own second look (fetch()) and before this thread took the count.
    if (!woken_by_fetch) {
      broker_.logs().wait_for_append(last_seen,
                                     std::chrono::steady_clock::now() + kWatcherIdleWait);
    }
    const std::uint64_t seen = broker_.logs().append_count();
    std::vector<std::shared_ptr<DelayedFetch>> waiting;
    {
      std::lock_guard lock(delayed_mutex_);
      if (seen == last_seen && !woken_by_fetch) continue;
      waiting = delayed_;
    }
    last_seen = seen;
    for (const auto& fetch : waiting) {
      if (fetch->answered.load()) continue;
      auto [response, bytes] = read_fetch(fetch->request);
      if (static_cast<std::int64_t>(bytes) < fetch->min_bytes) continue;
      if (fetch->answered.exchange(true)) continue;
      fetch->respond(std::move(response));
      boost::asio::post(fetch->executor, [fetch] { fetch->timer.cancel(); });
    }
  }
}

protocol::Struct RequestHandler::list_offsets(const protocol::Request& request) {
  constexpr std::int64_t kLatest = -1;
  constexpr std::int64_t kEarliest = -2;
  Struct response(request.api->response);
  for (const Struct& topic : request.body.structs("Topics")) {
    const std::string& name = topic.string("Name");
    Struct& topic_response = response.add("Topics");
    topic_response.set_string("Name", name);
    for (const Struct& partition : topic.structs("Partitions")) {
      const auto index = static_cast<std::int32_t>(partition.integer("PartitionIndex"));
      const std::int64_t timestamp = partition.integer("Timestamp");
      Struct& result = topic_response.add("Partitions");
      result.set_integer("PartitionIndex", index);
      auto log = broker_.logs().partition(name, index);
      if (!log.ok()) {
        result.set_integer("ErrorCode", static_cast<std::int16_t>(error_code_for(log.status())));
        continue;
      }
      std::int64_t offset = -1;
      if (timestamp == kLatest) {
        offset = (*log)->log_end_offset();
      } else if (timestamp == kEarliest) {
        offset = (*log)->log_start_offset();
      } else {
        auto found = (*log)->offset_for_timestamp(timestamp);
        if (!found.ok()) {
          result.set_integer("ErrorCode",
                             static_cast<std::int16_t>(error_code_for(found.status())));
          continue;
        }
        // The record's own timestamp is not looked up: the one asked for is answered.
        if (*found) {
          offset = **found;
          result.set_integer("Timestamp", timestamp);
        }
      }
      result.set_integer("Offset", offset).set_integer("LeaderEpoch", 0);
      if (request.header.api_version == 0) {
        result.set_integers("OldStyleOffsets", offset >= 0 ? std::vector<std::int64_t>{offset}
                                                           : std::vector<std::int64_t>{});
      }
    }
  }
  return response;
}

}  // namespace ferry::broker
