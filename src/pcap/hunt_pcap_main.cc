// hunt-pcap FILE...: the pcap library on its own (jsonl, or text with -t), for
// tests and until `log4shield hunt` reads captures itself. Exit 1 when
// something was found, 2 when a capture had errors, 0 otherwise.
#include <cstring>
#include <iostream>

#include "pcap/capture.h"
#include "pcap/report.h"

int main(int argc, char** argv) {
  bool text = false;
  int rc = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-t") == 0) {
      text = true;
      continue;
    }
    l4s::pcap::CaptureResult r = l4s::pcap::HuntCapture(argv[i]);
    if (text) l4s::pcap::WriteCaptureText(r, std::cout);
    else l4s::pcap::WriteCaptureJsonl(r, std::cout);
    if (!r.detections.empty() || !r.incidents.empty()) rc = 1;
    else if (!r.errors.empty() && rc == 0) rc = 2;
  }
  return rc;
}
