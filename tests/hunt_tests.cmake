# `log4shield hunt` end-to-end tests. Included from tests/CMakeLists.txt.
l4s_test(hunt_e2e_test LIBS nlohmann_json::nlohmann_json SOURCES ${CMAKE_CURRENT_LIST_DIR}/hunt_e2e_test.cc)
add_dependencies(hunt_e2e_test log4shield)
