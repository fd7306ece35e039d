# Helpers that give every test, benchmark and fuzz target the same shape.

# ferry_add_test(<name> SOURCES <files...> LIBS <targets...>)
# One GoogleTest executable per component, registered with ctest. Test data folders are found
# through FERRY_SOURCE_DIR so tests can run from any working directory.
function(ferry_add_test name)
  if(NOT FERRY_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE FERRY_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES ENVIRONMENT "FERRY_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# ferry_add_benchmark(<name> SOURCES <files...> LIBS <targets...>)
function(ferry_add_benchmark name)
  if(NOT FERRY_BUILD_BENCHMARKS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} benchmark::benchmark)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/benchmarks)
endfunction()

# ferry_add_fuzzer(<name> SOURCES <files...> LIBS <targets...>)
# A libFuzzer target; scripts/test.sh runs each for a bounded time.
function(ferry_add_fuzzer name)
  if(NOT FERRY_BUILD_FUZZERS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzzers)
endfunction()

# ferry_add_plugin(<name> SOURCES <files...> [LIBS <targets...>] [OUTPUT_DIRECTORY <dir>])
# A plugin built exactly as a user builds one (docs/plugins.md): a MODULE library linked to the
# SDK (plus LIBS, its own client libraries), written to <dir>/lib<name>.so with <dir> defaulting
# to <build>/plugins/<name>, so that <build>/plugins works as plugin.path. Symbols are hidden by
# default: the one export is the FERRY_PLUGIN entry point, which the macro marks
# visibility("default"). RPATH $ORIGIN finds private dependencies copied beside the library.
function(ferry_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY ${FERRY_PLUGIN_OUTPUT_DIRECTORY}/${name})
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ferry_sdk ${ARG_LIBS})
  set_target_properties(${name} PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    BUILD_RPATH "$ORIGIN"
    INSTALL_RPATH "$ORIGIN")
endfunction()
