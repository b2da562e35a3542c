// Reading capture files with libpcap (pcap and pcapng, microsecond and
// nanosecond timestamps) into the analyzer.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "pcap/analyzer.h"

namespace l4s::pcap {

enum class CaptureFormat { kNone, kPcap, kPcapNanosecond, kPcapng };

// The format named by a file's first bytes (either byte order); kNone for
// anything else. Four bytes are enough.
CaptureFormat sniff_capture(std::string_view head);
// Reads the first bytes of `path`; kNone when it cannot be read.
CaptureFormat sniff_capture_file(const std::string& path);

// Analyses one capture file. A file libpcap cannot open, or whose records
// stop making sense part-way (truncated, corrupt), gives an entry in
// `errors`; every packet before that point is still analysed.
CaptureResult hunt_capture(const std::string& path, AnalyzerOptions options = {});

// The same for a capture read from a stdio stream (a zip member, say), named
// options.capture_name in the results. Takes ownership of `file`. Reading
// stops at the first damaged record (there is no file to reopen past it).
CaptureResult hunt_capture_stream(FILE* file, const AnalyzerOptions& options);

}  // namespace l4s::pcap
