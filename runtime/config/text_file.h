// Reading a whole small file (a worker or connector config, a secret for a config provider) into
// memory, with errors that name the file and say why it could not be read.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace ferry::runtime {

// The file's bytes, unchanged. Errors: not_found if nothing exists at `path`; invalid_argument if
// it is a directory or cannot be opened or read (the message carries the system's reason, e.g.
// "Permission denied"). Messages never contain file content.
Result<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace ferry::runtime
