# fleet / report end-to-end tests: real reports on the fixtures, SQLite and a
# private PostgreSQL server, headless Chromium. Included from tests/CMakeLists.txt.
find_package(CURL REQUIRED)
l4s_test(fleet_e2e_test LIBS l4s_fleet l4s_net l4s_probe nlohmann_json::nlohmann_json CURL::libcurl OpenSSL::Crypto
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fleet/fleet_e2e_test.cc
  LABELS fixtures)
if(TARGET fleet_e2e_test)
  add_dependencies(fleet_e2e_test log4shield)
  target_include_directories(fleet_e2e_test PRIVATE ${CMAKE_SOURCE_DIR})
endif()

# fleet serve: the real server over HTTPS (test CA by openssl), curl, PostgreSQL.
l4s_test(serve_e2e_test LIBS l4s_fleet nlohmann_json::nlohmann_json OpenSSL::SSL OpenSSL::Crypto
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fleet/serve_e2e_test.cc
  LABELS fixtures)
if(TARGET serve_e2e_test)
  add_dependencies(serve_e2e_test log4shield)
  target_include_directories(serve_e2e_test PRIVATE ${CMAKE_SOURCE_DIR})
  target_compile_definitions(serve_e2e_test PRIVATE L4S_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endif()

# The Ansible role: three local hosts scan and hunt with --upload to fleet serve.
add_test(NAME ansible_e2e
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/ansible_e2e_test.sh $<TARGET_FILE:log4shield> "${L4S_FIXTURES_DIR}"
    "${CMAKE_BINARY_DIR}/test-tmp/ansible_e2e" "${CMAKE_SOURCE_DIR}")
set_tests_properties(ansible_e2e PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS "fixtures;ansible")
