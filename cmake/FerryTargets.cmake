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
