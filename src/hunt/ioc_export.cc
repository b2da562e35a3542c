#include "hunt/ioc_export.h"

#include <openssl/evp.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "hunt/log_fields.h"

namespace l4s::hunt {
namespace {

using nlohmann::ordered_json;

std::string dump(const ordered_json& j, int indent = -1) {
  return j.dump(indent, ' ', false, ordered_json::error_handler_t::replace);
}

// STIX pattern string literal: ' and \ escaped.
std::string stix_string(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string compact_date(const std::string& iso) {  // "2021-12-10T..." -> "20211210"
  if (!is_iso_timestamp(iso)) return "";
  return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
}

}  // namespace

bool parse_ioc_format(const std::string& name, IocFormat* out) {
  if (name == "stix") *out = IocFormat::kStix;
  else if (name == "misp-csv") *out = IocFormat::kMispCsv;
  else if (name == "csv") *out = IocFormat::kCsv;
  else return false;
  return true;
}

std::string uuid5(const std::string& name) {
  // The log4shield namespace (itself a fixed random UUID).
  static const unsigned char kNamespace[16] = {0x6b, 0x1f, 0x3c, 0x52, 0x8e, 0x0a, 0x4d, 0x77,
                                               0xa9, 0x5e, 0x21, 0xc4, 0x0f, 0x93, 0xd2, 0x6e};
  std::string data(reinterpret_cast<const char*>(kNamespace), 16);
  data += name;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  md[6] = static_cast<unsigned char>((md[6] & 0x0f) | 0x50);
  md[8] = static_cast<unsigned char>((md[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0],
                md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12], md[13], md[14],
                md[15]);
  return out;
}

namespace {

void write_stix(const std::vector<Ioc>& iocs, const std::string& now, std::ostream& out) {
  const std::string identity_id = "identity--" + uuid5("identity:log4shield");
  const std::string vuln_id = "vulnerability--" + uuid5("vulnerability:CVE-2021-44228");
  ordered_json objects = ordered_json::array();
  objects.push_back({{"type", "identity"},
                     {"spec_version", "2.1"},
                     {"id", identity_id},
                     {"created", "2021-12-10T00:00:00.000Z"},
                     {"modified", "2021-12-10T00:00:00.000Z"},
                     {"name", "log4shield"},
                     {"identity_class", "system"}});
  objects.push_back(
      {{"type", "vulnerability"},
       {"spec_version", "2.1"},
       {"id", vuln_id},
       {"created", "2021-12-10T00:00:00.000Z"},
       {"modified", "2021-12-10T00:00:00.000Z"},
       {"name", "CVE-2021-44228"},
       {"description", "Apache Log4j2 JNDI lookup remote code execution (Log4Shell)"},
       {"external_references", ordered_json::array({{{"source_name", "cve"}, {"external_id", "CVE-2021-44228"}}})}});
  for (const Ioc& ioc : iocs) {
    std::string pattern, name;
    if (ioc.type == "url") {
      pattern = "[url:value = " + stix_string(ioc.value) + "]";
      name = "Log4Shell JNDI callback URL";
    } else if (ioc.type == "domain") {
      pattern = "[domain-name:value = " + stix_string(ioc.value) + "]";
      name = "Log4Shell callback domain";
    } else if (ioc.type == "ipv4" || ioc.type == "ipv6") {
      std::string addr = "[" + ioc.type + "-addr:value = " + stix_string(ioc.value) + "]";
      pattern = ioc.port >= 0 ? "[network-traffic:dst_ref.value = " + stix_string(ioc.value) +
                                    " AND network-traffic:dst_port = " + std::to_string(ioc.port) + "]"
                              : addr;
      name = "Log4Shell callback server";
    } else {
      continue;  // sources and commands are context, not callback indicators
    }
    const std::string indicator_id = "indicator--" + uuid5("indicator:" + pattern);
    const std::string valid_from = ioc.first_seen.empty() ? now : ioc.first_seen;
    objects.push_back({{"type", "indicator"},
                       {"spec_version", "2.1"},
                       {"id", indicator_id},
                       {"created_by_ref", identity_id},
                       {"created", now},
                       {"modified", now},
                       {"name", name + ": " + ioc.value},
                       {"indicator_types", ordered_json::array({"malicious-activity"})},
                       {"pattern", pattern},
                       {"pattern_type", "stix"},
                       {"valid_from", valid_from},
                       // Lower when only attempts Log4j leaves inert named it.
                       {"confidence", ioc.reaching > 0 ? 85 : 30},
                       {"labels", ordered_json::array({"log4shell", "CVE-2021-44228"})}});
    objects.push_back({{"type", "relationship"},
                       {"spec_version", "2.1"},
                       {"id", "relationship--" + uuid5("related-to:" + indicator_id + ":" + vuln_id)},
                       {"created", now},
                       {"modified", now},
                       {"relationship_type", "related-to"},
                       {"source_ref", indicator_id},
                       {"target_ref", vuln_id}});
    ordered_json sighting{{"type", "sighting"},
                          {"spec_version", "2.1"},
                          {"id", "sighting--" + uuid5("sighting:" + indicator_id)},
                          {"created_by_ref", identity_id},
                          {"created", now},
                          {"modified", now},
                          {"sighting_of_ref", indicator_id},
                          {"count", ioc.count},
                          {"where_sighted_refs", ordered_json::array({identity_id})}};
    if (!ioc.first_seen.empty()) {
      sighting["first_seen"] = ioc.first_seen;
      sighting["last_seen"] = ioc.last_seen;
    }
    objects.push_back(std::move(sighting));
  }
  std::string ids;
  for (const auto& o : objects) ids += o["id"].get<std::string>() + "\n";
  ordered_json bundle{{"type", "bundle"}, {"id", "bundle--" + uuid5("bundle:" + ids)}, {"objects", objects}};
  out << dump(bundle, 2) << "\n";
}

void write_misp_csv(const std::vector<Ioc>& iocs, const std::string& now, std::ostream& out) {
  out << "uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,"
         "object_meta_category\n";
  const std::string today = compact_date(now);
  auto row = [&](const std::string& category, const std::string& type, const std::string& value,
                 const std::string& comment, bool to_ids, const std::string& seen) {
    std::string date = compact_date(seen);
    out << uuid5("misp:" + type + ":" + value) << ",," << csv_field(category) << ',' << csv_field(type) << ','
        << csv_field(value) << ',' << csv_field(comment) << ',' << (to_ids ? 1 : 0) << ','
        << (date.empty() ? today : date) << ",,\"tlp:amber,cve:CVE-2021-44228\",,,\n";
  };
  row("External analysis", "vulnerability", "CVE-2021-44228", "Log4Shell", false, "");
  for (const Ioc& ioc : iocs) {
    std::string seen = " (seen " + std::to_string(ioc.count) + "x" +
                       (ioc.reaching == 0 ? ", only in attempts Log4j leaves inert)" : ")");
    // An indicator named only by inert attempts is context, not for detection.
    const bool to_ids = ioc.reaching > 0;
    if (ioc.type == "url") {
      row("Network activity", "url", ioc.value, "Log4Shell JNDI callback" + seen, to_ids, ioc.first_seen);
    } else if (ioc.type == "domain") {
      row("Network activity", "domain", ioc.value, "Log4Shell callback domain" + seen, to_ids, ioc.first_seen);
    } else if (ioc.type == "ipv4" || ioc.type == "ipv6") {
      if (ioc.port >= 0) {
        row("Network activity", "ip-dst|port", ioc.value + "|" + std::to_string(ioc.port),
            "Log4Shell callback server" + seen, to_ids, ioc.first_seen);
      } else {
        row("Network activity", "ip-dst", ioc.value, "Log4Shell callback server" + seen, to_ids, ioc.first_seen);
      }
    } else if (ioc.type == "source-ip") {
      row("Network activity", "ip-src", ioc.value, "sent a Log4Shell payload" + seen, false, ioc.first_seen);
    } else if (ioc.type == "command") {
      row("Payload delivery", "text", ioc.value, "command decoded from a JNDIExploit route" + seen, false,
          ioc.first_seen);
    }
  }
}

void write_ioc_csv(const std::vector<Ioc>& iocs, std::ostream& out) {
  out << "type,value,port,count,reaching,first_seen,last_seen\n";
  for (const Ioc& ioc : iocs) {
    out << ioc.type << ',' << csv_field(ioc.value) << ',' << (ioc.port >= 0 ? std::to_string(ioc.port) : "") << ','
        << ioc.count << ',' << ioc.reaching << ',' << ioc.first_seen << ',' << ioc.last_seen << "\n";
  }
}

}  // namespace

void write_iocs(IocFormat format, const std::vector<Ioc>& iocs, const std::string& now, std::ostream& out) {
  switch (format) {
    case IocFormat::kStix: write_stix(iocs, now, out); break;
    case IocFormat::kMispCsv: write_misp_csv(iocs, now, out); break;
    case IocFormat::kCsv: write_ioc_csv(iocs, out); break;
  }
}

}  // namespace l4s::hunt
