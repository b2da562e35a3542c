// What the upload tests share: gunzip of a request body, scratch folders.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "core/gzip.h"

namespace l4s::test {

// The bytes a gzip body inflates to ("<not gzip>" when it does not).
inline std::string gunzip(const std::string& gz) {
  bool too_large = false;
  auto out = gunzip_bounded(gz, size_t{1} << 32, &too_large);
  return out.ok() ? *out : "<not gzip>";
}

// A fresh folder under the build's scratch space, named after the test.
inline std::filesystem::path scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::path(L4S_TEST_TMP) / "upload" / (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace l4s::test
