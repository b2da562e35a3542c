// Wall-clock time as the reports and the journal write it.
#pragma once

#include <string>

namespace l4s {

// The current UTC time, "2021-12-10T12:34:56Z".
std::string now_iso8601();

}  // namespace l4s
