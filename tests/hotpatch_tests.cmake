# The hot-patch agent in real JVMs (src/hotpatch/agent/test). Included from
# tests/CMakeLists.txt; each test skips without a JDK, the agent jar or the fixtures.
find_program(L4S_JAVA_EXECUTABLE java)
find_program(L4S_JAVAC_EXECUTABLE javac)
foreach(mode attach premain classes)
  add_test(NAME hotpatch_agent_${mode}
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/hotpatch_agent_test.sh ${mode}
      "${L4S_JAVA_EXECUTABLE}" "${L4S_JAVAC_EXECUTABLE}" "${L4S_HOTPATCH_AGENT_JAR}"
      "${L4S_FIXTURES_DIR}" "${CMAKE_BINARY_DIR}/test-tmp/hotpatch_agent_${mode}"
      "${CMAKE_SOURCE_DIR}/src/hotpatch/agent/test")
  set_tests_properties(hotpatch_agent_${mode} PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS "hotpatch;java")
endforeach()
