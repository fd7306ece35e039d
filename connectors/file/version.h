// The version the file connectors, their tasks and the plugin report: Ferry's own version, as
// Kafka's file connectors report Kafka's (AppInfoParser.getVersion()). CMake defines it.
#pragma once

#ifndef FERRY_FILE_CONNECTORS_VERSION
#error "FERRY_FILE_CONNECTORS_VERSION must be defined by the build (connectors/file/CMakeLists.txt)"
#endif

namespace ferry::connectors::file {

inline constexpr const char* kVersion = FERRY_FILE_CONNECTORS_VERSION;

}  // namespace ferry::connectors::file
