// The one entry point for reading a worker or connector config file from disk, whichever format
// it is written in. Both formats give the same PropertiesFile, so the caller never branches on
// format again.
#pragma once

#include <filesystem>

#include "common/result.h"
#include "runtime/config/properties_file.h"

namespace ferry::runtime {

// Files ending in .yaml or .yml (any letter case) are read as YAML (yaml_config_file.h), all
// others as Java .properties (properties_file.h), which is what Kafka Connect users pass today.
// Errors name the file; a missing file is not_found.
Result<PropertiesFile> load_config_file(const std::filesystem::path& path);

}  // namespace ferry::runtime
