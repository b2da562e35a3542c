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
