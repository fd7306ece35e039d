// The version the JDBC connectors, their tasks and the plugin report: Ferry's own. CMake defines
// it.
#pragma once

#ifndef FERRY_JDBC_CONNECTORS_VERSION
#error "FERRY_JDBC_CONNECTORS_VERSION must be defined by the build (connectors/jdbc/CMakeLists.txt)"
#endif

namespace ferry::connectors::jdbc {

inline constexpr const char* kVersion = FERRY_JDBC_CONNECTORS_VERSION;

}  // namespace ferry::connectors::jdbc
