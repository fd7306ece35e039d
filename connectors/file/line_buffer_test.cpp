#include "connectors/file/line_buffer.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ferry::connectors::file {
namespace {

// Copies text into the buffer as reads of at most chunk bytes would.
void feed(LineBuffer& buffer, std::string_view text, std::size_t chunk = 1 << 20) {
  while (!text.empty()) {
    std::span<char> space = buffer.writable();
    const std::size_t n = std::min({space.size(), text.size(), chunk});
    std::memcpy(space.data(), text.data(), n);
    buffer.commit(n);
    text.remove_prefix(n);
  }
}

struct TakenLine {
  std::string text;
  std::size_t length;
  friend bool operator==(const TakenLine&, const TakenLine&) = default;
};

std::vector<TakenLine> take_all(LineBuffer& buffer, bool end_of_input = false) {
  std::vector<TakenLine> lines;
  while (std::optional<LineBuffer::Line> line = buffer.next_line(end_of_input)) {
    lines.push_back({std::string(line->text), line->length});
  }
  return lines;
}

TEST(LineBuffer, SplitsOnLfCrLfAndLoneCr) {
  LineBuffer buffer(64);
  feed(buffer, "a\nbb\r\nccc\rdddd\n\n");
  EXPECT_EQ(take_all(buffer),
            (std::vector<TakenLine>{{"a", 2}, {"bb", 4}, {"ccc", 4}, {"dddd", 5}, {"", 1}}));
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(LineBuffer, IncompleteLineWaitsForItsTerminator) {
  LineBuffer buffer(64);
  feed(buffer, "done\npart");
  EXPECT_EQ(take_all(buffer), (std::vector<TakenLine>{{"done", 5}}));
  EXPECT_EQ(buffer.size(), 4u);
  EXPECT_EQ(take_all(buffer, /*end_of_input=*/true), std::vector<TakenLine>{});
  feed(buffer, "ial\n");
  EXPECT_EQ(take_all(buffer), (std::vector<TakenLine>{{"partial", 8}}));
}

TEST(LineBuffer, TrailingCrWaitsForTheNextByte) {
  LineBuffer buffer(64);
  feed(buffer, "a\r");
  EXPECT_EQ(take_all(buffer), std::vector<TakenLine>{});
  feed(buffer, "\nb\r");
  EXPECT_EQ(take_all(buffer), (std::vector<TakenLine>{{"a", 3}}));
  feed(buffer, "c\n");
  EXPECT_EQ(take_all(buffer), (std::vector<TakenLine>{{"b", 2}, {"c", 2}}));
}

TEST(LineBuffer, TrailingCrEndsTheLineAtEndOfInput) {
  LineBuffer buffer(64);
  feed(buffer, "last\r");
  EXPECT_EQ(take_all(buffer, /*end_of_input=*/true), (std::vector<TakenLine>{{"last", 5}}));
}

TEST(LineBuffer, LineLongerThanTheCapacityGrowsTheBuffer) {
  LineBuffer buffer(8);
  const std::string long_line(100, 'x');
  feed(buffer, "ab\n" + long_line + "\ncd\n", 5);
  EXPECT_EQ(take_all(buffer), (std::vector<TakenLine>{{"ab", 3}, {long_line, 101}, {"cd", 3}}));
  EXPECT_GE(buffer.capacity(), 100u);
}

TEST(LineBuffer, ManySmallReadsKeepEveryByteInOrder) {
  // Reads of 3 bytes into a 16-byte buffer: the incomplete tail is moved to the front often.
  LineBuffer buffer(16);
  std::string text;
  std::vector<TakenLine> expected;
  for (int i = 0; i < 200; ++i) {
    std::string line = "line-" + std::to_string(i);
    const char* terminator = i % 3 == 0 ? "\n" : i % 3 == 1 ? "\r\n" : "\r";
    text += line + terminator;
    expected.push_back({line, line.size() + std::strlen(terminator)});
  }
  std::vector<TakenLine> lines;
  for (std::size_t i = 0; i < text.size(); i += 3) {
    feed(buffer, std::string_view(text).substr(i, 3));
    for (TakenLine& line : take_all(buffer)) lines.push_back(std::move(line));
  }
  for (TakenLine& line : take_all(buffer, /*end_of_input=*/true)) lines.push_back(line);
  EXPECT_EQ(lines, expected);
}

TEST(LineBuffer, ClearDropsEverything) {
  LineBuffer buffer(16);
  feed(buffer, "abc\ndef");
  buffer.clear();
  EXPECT_EQ(buffer.size(), 0u);
  feed(buffer, "x\n");
  EXPECT_EQ(take_all(buffer), (std::vector<TakenLine>{{"x", 2}}));
}

}  // namespace
}  // namespace ferry::connectors::file
