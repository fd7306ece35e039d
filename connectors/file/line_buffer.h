// LineBuffer: the bytes read from a file or stream that are not yet returned as lines, and the
// line splitting of Kafka's FileStreamSourceTask (its extractLine): a line ends at "\n", "\r\n" or
// a lone "\r"; the terminator is not part of the line. A "\r" that is the last byte buffered may
// be the first half of "\r\n", so it ends a line only once the next byte is known (or the caller
// says the input has ended). Bytes after the last terminator are an incomplete line, held until
// its terminator arrives.
//
// Splitting works on bytes: in UTF-8 the bytes '\n' and '\r' never occur inside a multi-byte
// character, so this equals Java's split of the decoded text.
//
// Use: read(2) into writable(), commit() what was read, then take lines with next_line() until it
// returns nullopt. Each scan for a terminator starts where the previous one stopped, so a line
// that arrives in many small reads is scanned once, and searches use memchr over whole runs of
// bytes. The buffer grows (doubling) only when one incomplete line fills it, as Kafka's does;
// otherwise it keeps its capacity and moves the incomplete tail to the front when the free space
// runs low.
//
// Thread-safety: none; one owner (the task's thread).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace ferry::connectors::file {

class LineBuffer {
 public:
  struct Line {
    std::string_view text;  // without its terminator; valid until the next writable() or clear()
    std::size_t length;     // bytes consumed: text plus terminator (1 or 2)
  };

  explicit LineBuffer(std::size_t capacity);

  LineBuffer(const LineBuffer&) = delete;
  LineBuffer& operator=(const LineBuffer&) = delete;

  // Free space to read into, never empty: compacts or grows the buffer when needed, which
  // invalidates the text of lines returned before.
  std::span<char> writable();
  // bytes (at most writable().size()) were written at the start of writable().
  void commit(std::size_t bytes);

  // The next complete line, or nullopt when the buffered bytes hold none. With end_of_input a
  // trailing lone "\r" ends a line (no "\n" can follow any more); an unterminated tail is still
  // not a line.
  std::optional<Line> next_line(bool end_of_input = false);

  // Bytes buffered and not returned as lines (an incomplete line).
  std::size_t size() const { return end_ - begin_; }
  std::size_t capacity() const { return capacity_; }
  // Drops every buffered byte (after a seek, or when the input is replaced).
  void clear() { begin_ = end_ = scanned_ = 0; }

 private:
  Line take(std::size_t terminator_index, std::size_t terminator_length);

  std::unique_ptr<char[]> data_;
  std::size_t capacity_;
  std::size_t begin_ = 0;    // first byte not yet returned
  std::size_t end_ = 0;      // one past the last byte read
  std::size_t scanned_ = 0;  // [begin_, scanned_) holds no terminator
};

}  // namespace ferry::connectors::file
