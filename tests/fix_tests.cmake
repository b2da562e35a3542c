# `fix` / `restore` end-to-end tests (real fixtures, a real JVM, SIGKILL at
# every disk step). Included from tests/CMakeLists.txt.
l4s_test(fix_e2e_test LIBS l4s_remediate l4s_archive l4s_zip_builder nlohmann_json::nlohmann_json ZLIB::ZLIB LibArchive::LibArchive
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fix_fixtures_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/fix_java_e2e_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/fix_crash_test.cc
  LABELS fixtures)
if(TARGET fix_e2e_test)
  add_dependencies(fix_e2e_test log4shield)
endif()
