// For tests only: the offsets file a Kafka standalone worker writes for the FileStreamSource
// example (reference §5.1) — one entry,
//   ["local-file-source",{"filename":"test.txt"}] -> {"position":54}
// — written out by hand from the byte table in reference §5.2, not produced by Ferry's writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ferry::runtime::testing {

inline constexpr std::string_view kGoldenKey = R"(["local-file-source",{"filename":"test.txt"}])";
inline constexpr std::string_view kGoldenValue = R"({"position":54})";

// Where the block data record (77 08 <capacity> <size>) starts, and its length.
inline constexpr std::size_t kGoldenBlockDataOffset = 71;
inline constexpr std::size_t kGoldenBlockDataLength = 10;

inline std::vector<std::uint8_t> golden_offsets_file() {
  const auto ascii = [](std::vector<std::uint8_t>& out, std::string_view text) {
    out.insert(out.end(), text.begin(), text.end());
  };
  std::vector<std::uint8_t> bytes = {
      0xAC, 0xED, 0x00, 0x05,  // stream magic, version 5
      0x73,                    // TC_OBJECT
      0x72, 0x00, 0x11,        // TC_CLASSDESC, class name of 17 bytes
  };
  ascii(bytes, "java.util.HashMap");
  bytes.insert(bytes.end(), {
                                0x05, 0x07, 0xDA, 0xC1, 0xC3, 0x16, 0x60, 0xD1,  // serialVersionUID
                                0x03,              // SC_WRITE_METHOD | SC_SERIALIZABLE
                                0x00, 0x02,        // 2 fields
                                0x46, 0x00, 0x0A,  // float, name of 10 bytes
                            });
  ascii(bytes, "loadFactor");
  bytes.insert(bytes.end(), {0x49, 0x00, 0x09});  // int, name of 9 bytes
  ascii(bytes, "threshold");
  bytes.insert(bytes.end(), {
                                0x78,                    // TC_ENDBLOCKDATA: no class annotation
                                0x70,                    // TC_NULL: no superclass
                                0x3F, 0x40, 0x00, 0x00,  // loadFactor 0.75f
                                0x00, 0x00, 0x00, 0x0C,  // threshold 12
                                0x77, 0x08,              // TC_BLOCKDATA of 8 bytes
                                0x00, 0x00, 0x00, 0x10,  // capacity 16
                                0x00, 0x00, 0x00, 0x01,  // size 1
                                0x75,                    // TC_ARRAY (the key)
                                0x72, 0x00, 0x02,        // TC_CLASSDESC, name of 2 bytes
                            });
  ascii(bytes, "[B");
  bytes.insert(bytes.end(), {
                                0xAC, 0xF3, 0x17, 0xF8, 0x06, 0x08, 0x54, 0xE0,  // serialVersionUID
                                0x02,                                            // SC_SERIALIZABLE
                                0x00, 0x00,                                      // no fields
                                0x78,                                            // TC_ENDBLOCKDATA
                                0x70,                    // TC_NULL: no superclass
                                0x00, 0x00, 0x00, 0x2D,  // 45 bytes
                            });
  ascii(bytes, kGoldenKey);
  bytes.insert(bytes.end(), {
                                0x75,                          // TC_ARRAY (the value)
                                0x71, 0x00, 0x7E, 0x00, 0x02,  // TC_REFERENCE to the byte[] class
                                0x00, 0x00, 0x00, 0x0F,        // 15 bytes
                            });
  ascii(bytes, kGoldenValue);
  bytes.push_back(0x78);  // TC_ENDBLOCKDATA: end of the map's data
  return bytes;
}

}  // namespace ferry::runtime::testing
