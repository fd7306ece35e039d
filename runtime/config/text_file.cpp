#include "runtime/config/text_file.h"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

namespace ferry::runtime {

Result<std::string> read_text_file(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return Status::not_found(path.string() + ": no such file");
  }
  // An ifstream opens a directory without complaint and then reads nothing, which would turn a
  // mistyped path into an empty config.
  if (status.type() == std::filesystem::file_type::directory) {
    return Status::invalid_argument(path.string() + ": is a directory, not a file");
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int reason = errno != 0 ? errno : EIO;
    return Status::invalid_argument(
        path.string() + ": cannot open the file: " + std::generic_category().message(reason));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::invalid_argument(path.string() + ": read error");
  return std::move(text).str();
}

}  // namespace ferry::runtime
