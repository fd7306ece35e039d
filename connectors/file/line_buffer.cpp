#include "connectors/file/line_buffer.h"

#include <algorithm>
#include <cstring>

namespace ferry::connectors::file {

LineBuffer::LineBuffer(std::size_t capacity)
    : data_(std::make_unique<char[]>(std::max<std::size_t>(capacity, 1))),
      capacity_(std::max<std::size_t>(capacity, 1)) {}

std::span<char> LineBuffer::writable() {
  if (begin_ == end_) clear();
  // Compact once less than a quarter is free: what moves is an incomplete line, usually short,
  // and reads into the freed space stay large.
  if (begin_ > 0 && capacity_ - end_ < capacity_ / 4) {
    std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    scanned_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) {
    // One incomplete line fills the whole buffer: grow, as Kafka's buffer does.
    const std::size_t grown = capacity_ * 2;
    auto data = std::make_unique<char[]>(grown);
    std::memcpy(data.get(), data_.get(), end_);
    data_ = std::move(data);
    capacity_ = grown;
  }
  return {data_.get() + end_, capacity_ - end_};
}

void LineBuffer::commit(std::size_t bytes) { end_ = std::min(end_ + bytes, capacity_); }

std::optional<LineBuffer::Line> LineBuffer::next_line(bool end_of_input) {
  const char* data = data_.get();
  const std::size_t from = std::max(begin_, scanned_);
  const auto* lf = static_cast<const char*>(std::memchr(data + from, '\n', end_ - from));
  const std::size_t lf_index = lf != nullptr ? static_cast<std::size_t>(lf - data) : end_;
  // A '\r' ends the line only if it comes before the first '\n'; search no further than that.
  if (const auto* cr = static_cast<const char*>(std::memchr(data + from, '\r', lf_index - from))) {
    const auto cr_index = static_cast<std::size_t>(cr - data);
    if (cr_index + 1 == end_) {
      if (!end_of_input) {
        scanned_ = cr_index;  // the byte after it decides between "\r" and "\r\n"
        return std::nullopt;
      }
      return take(cr_index, 1);
    }
    return take(cr_index, data[cr_index + 1] == '\n' ? 2 : 1);
  }
  if (lf != nullptr) return take(lf_index, 1);
  scanned_ = end_;
  return std::nullopt;
}

LineBuffer::Line LineBuffer::take(std::size_t terminator_index, std::size_t terminator_length) {
  Line line{std::string_view(data_.get() + begin_, terminator_index - begin_),
            terminator_index + terminator_length - begin_};
  begin_ = terminator_index + terminator_length;
  scanned_ = begin_;
  return line;
}

}  // namespace ferry::connectors::file
