#include "buildinfo/build_info.h"

#include <archive.h>
#include <bzlib.h>
#include <curl/curl.h>
#include <isa-l.h>
#include <libdeflate.h>
#include <libpq-fe.h>
#include <lzma.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <pcap/pcap.h>
#include <sqlite3.h>
#include <zlib.h>
#include <zstd.h>

#include <CLI/Version.hpp>
#include <boost/version.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <string_view>

#include "buildinfo_stamp.h"

#ifndef L4S_VERSION
#define L4S_VERSION "0.0.0"
#endif

namespace l4s::buildinfo {
namespace {

// The first run of digits and dots in `text` ("libpcap version 1.10.3 (with
// TPACKET_V3)" -> "1.10.3"), for libraries that decorate their version.
std::string dotted(std::string_view text) {
  size_t start = text.find_first_of("0123456789");
  if (start == std::string_view::npos) return std::string(text);
  size_t end = text.find_first_not_of("0123456789.", start);
  std::string_view v = text.substr(start, end == std::string_view::npos ? text.size() - start : end - start);
  while (!v.empty() && v.back() == '.') v.remove_suffix(1);
  return std::string(v);
}

std::string join3(long a, long b, long c) {
  return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c);
}

// PQlibVersion: 150005 is 15.5 (since PostgreSQL 10), 90624 is 9.6.24.
std::string pq_version(int v) {
  if (v >= 100000) return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
  return join3(v / 10000, v / 100 % 100, v % 100);
}

std::string compiler() {
#if defined(__clang__)
  return "Clang " __clang_version__;
#elif defined(__GNUC__)
  return "GCC " + join3(__GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

BuildInfo gather() {
  BuildInfo b;
  b.version = L4S_VERSION;
  b.commit = L4S_GIT_COMMIT;
  b.build_date = L4S_BUILD_DATE;
  b.compiler = compiler();
  auto add = [&b](std::string name, std::string version, bool runtime) {
    b.libraries.push_back({std::move(name), std::move(version), runtime});
  };
  add("zlib", zlibVersion(), true);
  add("libdeflate", LIBDEFLATE_VERSION_STRING, false);  // no version function
  add("isa-l", join3(ISAL_MAJOR_VERSION, ISAL_MINOR_VERSION, ISAL_PATCH_VERSION), false);
  add("zstd", ZSTD_versionString(), true);
  add("liblzma", lzma_version_string(), true);
  add("bzip2", dotted(BZ2_bzlibVersion()), true);  // "1.0.8, 13-Jul-2019"
  add("libarchive", dotted(archive_version_string()), true);
#if OPENSSL_VERSION_MAJOR >= 3
  add("OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING), true);
#else
  add("OpenSSL", dotted(OpenSSL_version(OPENSSL_VERSION)), true);
#endif
  add("SQLite", sqlite3_libversion(), true);
  add("libpq", pq_version(PQlibVersion()), true);
  add("libcurl", curl_version_info(CURLVERSION_NOW)->version, true);
  add("libpcap", dotted(pcap_lib_version()), true);
  add("Boost", join3(BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100), false);
  add("fmt", join3(FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100), false);
  add("nlohmann-json", join3(NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH),
      false);
  add("CLI11", CLI11_VERSION, false);
  return b;
}

}  // namespace

const BuildInfo& build_info() {
  static const BuildInfo info = gather();
  return info;
}

std::string version_text(const BuildInfo& info) {
  std::string out = "log4shield " + info.version + "\n";
  out += "commit:   " + info.commit + "\n";
  out += "built:    " + info.build_date + "\n";
  out += "compiler: " + info.compiler + "\n";
  out += "libraries:\n";
  for (const Library& lib : info.libraries) {
    out += "  " + lib.name + std::string(lib.name.size() < 14 ? 14 - lib.name.size() : 1, ' ') + lib.version +
           (lib.runtime ? "\n" : " (headers)\n");
  }
  return out;
}

std::string version_json(const BuildInfo& info) {
  nlohmann::ordered_json libs = nlohmann::ordered_json::array();
  for (const Library& lib : info.libraries)
    libs.push_back({{"name", lib.name}, {"version", lib.version}, {"source", lib.runtime ? "runtime" : "headers"}});
  nlohmann::ordered_json j = {{"name", "log4shield"},     {"version", info.version},   {"commit", info.commit},
                              {"build_date", info.build_date}, {"compiler", info.compiler}, {"libraries", libs}};
  return j.dump(2);
}

}  // namespace l4s::buildinfo
