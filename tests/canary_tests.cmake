# Canary and probe end-to-end tests. Included from tests/CMakeLists.txt.
set(_l4s_canary_root "${CMAKE_CURRENT_LIST_DIR}/..")
l4s_test(canary_e2e_test LIBS l4s_canary SOURCES ${CMAKE_CURRENT_LIST_DIR}/canary_e2e_test.cc)
target_compile_definitions(canary_e2e_test PRIVATE L4S_SOURCE_DIR="${_l4s_canary_root}")
l4s_test(canary_load_test LIBS l4s_canary SOURCES ${CMAKE_CURRENT_LIST_DIR}/canary_load_test.cc)
l4s_test(canary_cli_test LIBS l4s_net nlohmann_json::nlohmann_json SOURCES ${CMAKE_CURRENT_LIST_DIR}/canary_cli_test.cc)
add_dependencies(canary_cli_test log4shield)
