// The cluster id of a data directory, kept where Kafka keeps it: cluster.id in meta.properties of
// the log directory. A new directory gets a random one in Kafka's form (16 random bytes, URL-safe
// base64 without padding: 22 characters), written atomically beside node.id=0 and version=1, so
// a Kafka user's tools and GET / show an id that stays the same across restarts.
//
// Thread-safety: call once while opening the broker.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace ferry::broker {

// The id in data_directory/meta.properties; when the file is missing, a new id written there if
// may_create, else an empty id (a read-only view of a directory no broker has opened yet).
// Errors name the file: one that cannot be read or written, or holds no cluster.id.
Result<std::string> load_or_create_cluster_id(const std::filesystem::path& data_directory,
                                              bool may_create);

}  // namespace ferry::broker
