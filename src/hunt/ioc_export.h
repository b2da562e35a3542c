// Indicators of a hunt for sharing: STIX 2.1, MISP CSV and plain CSV (also
// used by `report` over the fleet store).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "hunt/tally.h"

namespace l4s::hunt {

enum class IocFormat { kStix, kMispCsv, kCsv };
bool parse_ioc_format(const std::string& name, IocFormat* out);  // stix|misp-csv|csv

// Writes indicators for sharing; `now` (ISO-8601 UTC) stamps the objects and
// dates what has no sighting time.
//   stix: a STIX 2.1 bundle: the producer identity, the CVE-2021-44228
//     vulnerability, one indicator per callback URL/domain/IP (related-to the
//     vulnerability) and a sighting of each. Ids are UUIDv5 of their content,
//     so a re-export of the same findings gives the same ids.
//   misp-csv: MISP attribute CSV (uuid,event_id,category,type,value,comment,to_ids,date,...).
//   csv: type,value,port,count,first_seen,last_seen
void write_iocs(IocFormat format, const std::vector<Ioc>& iocs, const std::string& now, std::ostream& out);

// RFC 4122 version-5 UUID of `name` in the log4shield namespace.
std::string uuid5(const std::string& name);

}  // namespace l4s::hunt
