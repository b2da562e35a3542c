# --upload and `fleet upload` end to end, against the loopback responder of
# src/upload/test_http_server.h. Included from tests/CMakeLists.txt.
l4s_test(upload_e2e_test LIBS l4s_upload nlohmann_json::nlohmann_json ZLIB::ZLIB Threads::Threads
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/upload_e2e_test.cc)
if(TARGET upload_e2e_test)
  add_dependencies(upload_e2e_test log4shield)
endif()

# Against the real fleet serve over HTTPS (test CA by openssl).
l4s_test(upload_serve_e2e_test LIBS l4s_upload l4s_fleet nlohmann_json::nlohmann_json ZLIB::ZLIB Threads::Threads
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/upload_serve_e2e_test.cc)
if(TARGET upload_serve_e2e_test)
  add_dependencies(upload_serve_e2e_test log4shield)
endif()
