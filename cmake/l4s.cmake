# l4s_test(NAME lib src...) : a GoogleTest binary registered with ctest.
# Tests get L4S_FIXTURES_DIR and L4S_TEST_TMP (scratch space under the build folder).
function(l4s_test name)
  if(NOT L4S_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "" "LIBS;SOURCES;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    L4S_FIXTURES_DIR="${L4S_FIXTURES_DIR}"
    L4S_TEST_TMP="${CMAKE_BINARY_DIR}/test-tmp"
    L4S_BINARY="$<TARGET_FILE:log4shield>")
  gtest_discover_tests(${name} PROPERTIES LABELS "${T_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()

# l4s_fuzz(NAME lib src) : a libFuzzer target, only with -DL4S_FUZZ=ON.
function(l4s_fuzz name)
  if(NOT L4S_FUZZ)
    return()
  endif()
  cmake_parse_arguments(F "" "" "LIBS;SOURCES" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  if(NOT TARGET fuzzers)
    add_custom_target(fuzzers)
  endif()
  add_dependencies(fuzzers ${name})
endfunction()
