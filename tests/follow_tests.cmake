# `log4shield hunt --follow` end-to-end tests. Included from tests/CMakeLists.txt.
l4s_test(follow_e2e_test LIBS nlohmann_json::nlohmann_json ZLIB::ZLIB SOURCES ${CMAKE_CURRENT_LIST_DIR}/follow_e2e_test.cc)
add_dependencies(follow_e2e_test log4shield)
