#include "fleet/html_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

namespace l4s::fleet {
namespace {

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* kStyle = R"css(
:root{--bg:#f6f7f9;--card:#fff;--ink:#1c2430;--mute:#5b6675;--line:#d9dee5;--crit:#b3261e;--high:#e0542b;
--med:#d99a00;--low:#2f7fb5;--ok:#2e7d32;--accent:#3559c7}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--ink)}
header{background:#18233a;color:#fff;padding:18px 24px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c8d0e0}
main{padding:16px 24px;max-width:1400px;margin:auto}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0 0 16px}
h2{font-size:17px;margin:0 0 10px}h3{font-size:14px;margin:8px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;border-left:5px solid var(--accent)}
.card .n{font-size:28px;font-weight:700}.card .l{color:var(--mute)}
.card.bad{border-left-color:var(--crit)}.card.good{border-left-color:var(--ok)}.card.warn{border-left-color:var(--med)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:16px}
.grid2>section{margin:0}
svg{max-width:100%;height:auto}svg text{font:12px system-ui,sans-serif;fill:var(--ink)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f5;position:sticky;top:0}
th[data-sort]{cursor:pointer;user-select:none}th[data-sort]::after{content:" \2195";color:var(--mute)}
th[aria-sort=ascending]::after{content:" \2191"}th[aria-sort=descending]::after{content:" \2193"}
td.num,th.num{text-align:right}
.sev{display:inline-block;padding:1px 7px;border-radius:10px;color:#fff;font-size:12px}
.sev.critical{background:var(--crit)}.sev.high{background:var(--high)}.sev.medium{background:var(--med)}
.sev.low{background:var(--low)}.sev.none{background:var(--ok)}
.st-vulnerable{color:var(--crit);font-weight:600}.st-mitigated{color:var(--med)}.st-safe{color:var(--ok)}
ol.nest{min-width:16em;margin:0;padding-left:0;list-style:none;font-family:ui-monospace,Menlo,monospace;font-size:12px;word-break:break-all}
ol.nest li{padding-left:calc(var(--d)*14px)}ol.nest li+li::before{content:"\21B3 ";color:var(--mute)}
code,.mono{font-family:ui-monospace,Menlo,monospace;font-size:12px;word-break:break-all}
.toolbar{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin-bottom:8px}
#filter{flex:1;min-width:200px;padding:7px 10px;border:1px solid var(--line);border-radius:6px;font-size:14px}
.muted{color:var(--mute)}.empty{color:var(--mute);font-style:italic}
@media (max-width:640px){main{padding:10px}header{padding:12px}.grid2{grid-template-columns:1fr}
.card .n{font-size:22px}td,th{padding:4px}.hide-sm{display:none}}
@media print{body{background:#fff;font-size:11px}header{background:#fff;color:#000;border-bottom:2px solid #000}
header p{color:#333}.toolbar{display:none}section,.card{break-inside:avoid;border-color:#999}
th{position:static}tr{break-inside:avoid}tbody tr{display:table-row!important}a{color:#000}}
)css";

const char* kScript = R"js(
(function(){
var table=document.getElementById('findings');if(!table)return;
var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows),shown=document.getElementById('shown');
function count(){var n=0;rows.forEach(function(r){if(r.style.display!=='none')n++;});shown.textContent=n+' of '+rows.length+' findings';}
Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
 if(!th.hasAttribute('data-sort'))return;
 th.addEventListener('click',function(){
  var asc=th.getAttribute('aria-sort')!=='ascending',num=th.getAttribute('data-sort')==='num';
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(o){o.removeAttribute('aria-sort');});
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  rows.sort(function(a,b){
   var x=a.cells[i].getAttribute('data-v'),y=b.cells[i].getAttribute('data-v');
   if(x===null)x=a.cells[i].textContent;if(y===null)y=b.cells[i].textContent;
   var c=num?(parseFloat(x)-parseFloat(y)):x.localeCompare(y);return asc?c:-c;});
  rows.forEach(function(r){body.appendChild(r);});
 });
});
var f=document.getElementById('filter');
f.addEventListener('input',function(){
 var terms=f.value.toLowerCase().split(/\s+/).filter(Boolean);
 rows.forEach(function(r){var t=r.textContent.toLowerCase();
  r.style.display=terms.every(function(w){return t.indexOf(w)>=0;})?'':'none';});
 count();
});
count();
})();
)js";

std::string sev_badge(const std::string& s) { return fmt::format("<span class=\"sev {0}\">{0}</span>", esc(s)); }

int sev_rank(Severity s) { return static_cast<int>(s); }

// Horizontal bar chart, one bar per count.
std::string bars(const std::vector<Count>& data, const std::string& color, const std::string& label, size_t limit = 15) {
  if (data.empty()) return "<p class=\"empty\">none</p>";
  size_t n = std::min(limit, data.size());
  int64_t max = 1;
  for (size_t i = 0; i < n; ++i) max = std::max(max, data[i].n);
  const int row = 22, left = 150, width = 440, bar_w = width - left - 50;
  std::string svg = fmt::format(
      "<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMinYMin meet\">", width,
      n * row + 6, esc(label));
  for (size_t i = 0; i < n; ++i) {
    const auto& c = data[i];
    double w = std::max(1.0, static_cast<double>(c.n) * bar_w / max);
    std::string key = c.key;
    if (key.size() > 24) {
      size_t cut = 23;
      while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
      key = key.substr(0, cut) + "\u2026";
    }
    svg += fmt::format(
        "<g><title>{0}: {1}</title><text x=\"{2}\" y=\"{3}\" text-anchor=\"end\">{4}</text>"
        "<rect x=\"{5}\" y=\"{6}\" width=\"{7:.1f}\" height=\"{8}\" rx=\"3\" fill=\"{9}\"/>"
        "<text x=\"{10:.1f}\" y=\"{3}\" class=\"v\">{1}</text></g>",
        esc(c.key), c.n, left - 8, i * row + 16, esc(key), left, i * row + 4, w, row - 6, color, left + w + 5);
  }
  return svg + "</svg>";
}

// Vertical bars over time (attempts per hour).
std::string timeline(const std::vector<Count>& data) {
  if (data.empty()) return "<p class=\"empty\">no attempts recorded</p>";
  int64_t max = 1;
  for (const auto& c : data) max = std::max(max, c.n);
  const int width = 760, height = 220, left = 40, bottom = 56, top = 10;
  const double step = static_cast<double>(width - left - 10) / data.size();
  std::string svg = fmt::format("<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"attempts per hour\">", width, height);
  svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#999\"/>", left, height - bottom, width - 10);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 4, top + 10, max);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>", left - 4, height - bottom);
  size_t label_every = std::max<size_t>(1, data.size() / 8);
  for (size_t i = 0; i < data.size(); ++i) {
    double h = static_cast<double>(data[i].n) * (height - bottom - top) / max;
    double x = left + i * step;
    svg += fmt::format(
        "<g><title>{0}:00 UTC: {1} attempt{2}</title><rect x=\"{3:.1f}\" y=\"{4:.1f}\" width=\"{5:.1f}\" "
        "height=\"{6:.1f}\" fill=\"#b3261e\"/></g>",
        esc(data[i].key), data[i].n, data[i].n == 1 ? "" : "s", x + 1, height - bottom - h, std::max(1.0, step - 2), h);
    if (i % label_every == 0)
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" transform=\"rotate(30 {:.1f} {})\">{}</text>", x + 2,
                         height - bottom + 14, x + 2, height - bottom + 14,
                         esc(data[i].key.size() >= 13 ? data[i].key.substr(5, 5) + " " + data[i].key.substr(11, 2) + "h"
                                                      : data[i].key));
  }
  return svg + "</svg>";
}

// Exposed hosts and vulnerable copies per day.
std::string progress_chart(const std::vector<Analysis::ProgressPoint>& pts) {
  if (pts.empty()) return "<p class=\"empty\">no scans yet</p>";
  int64_t max = 1;
  for (const auto& p : pts) max = std::max({max, p.exposed, p.vulnerable_copies, p.scanned});
  const int width = 760, height = 220, left = 40, bottom = 40, top = 12;
  const double step = pts.size() > 1 ? static_cast<double>(width - left - 30) / (pts.size() - 1) : 0;
  auto y = [&](int64_t v) { return height - bottom - static_cast<double>(v) * (height - bottom - top) / max; };
  std::string svg = fmt::format("<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"fix progress\">", width, height);
  svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#999\"/>", left, height - bottom, width - 10);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 4, top + 10, max);
  struct Series {
    const char* name;
    const char* color;
    int64_t Analysis::ProgressPoint::*field;
  };
  const Series series[] = {{"hosts scanned", "#3559c7", &Analysis::ProgressPoint::scanned},
                           {"hosts exposed", "#b3261e", &Analysis::ProgressPoint::exposed},
                           {"vulnerable copies", "#d99a00", &Analysis::ProgressPoint::vulnerable_copies}};
  int legend = 0;
  for (const auto& s : series) {
    std::string path;
    for (size_t i = 0; i < pts.size(); ++i)
      path += fmt::format("{}{:.1f},{:.1f}", i ? " L" : "M", left + 10 + i * step, y(pts[i].*s.field));
    svg += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\"/>", path, s.color);
    for (size_t i = 0; i < pts.size(); ++i)
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{} {}: {}</title></circle>",
                         left + 10 + i * step, y(pts[i].*s.field), s.color, esc(pts[i].day), s.name, pts[i].*s.field);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
                       left + 10 + legend * 170, height - 14, s.color, left + 27 + legend * 170, height - 4, s.name);
    ++legend;
  }
  size_t label_every = std::max<size_t>(1, pts.size() / 8);
  for (size_t i = 0; i < pts.size(); i += label_every)
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", left + 10 + i * step,
                       height - bottom + 14, esc(pts[i].day.substr(5)));
  return svg + "</svg>";
}

std::string nested(const std::string& location) {
  std::string out = "<ol class=\"nest\">";
  size_t start = 0;
  int depth = 0;
  for (;;) {
    size_t p = location.find("!/", start);
    std::string part = location.substr(start, p == std::string::npos ? std::string::npos : p - start);
    out += fmt::format("<li style=\"--d:{}\">{}</li>", depth++, esc(part));
    if (p == std::string::npos) break;
    start = p + 2;
  }
  return out + "</ol>";
}

std::string card(const std::string& metric, int64_t n, const std::string& label, const std::string& cls) {
  return fmt::format("<div class=\"card {}\" data-metric=\"{}\"><div class=\"n\">{}</div><div class=\"l\">{}</div></div>",
                     cls, metric, n, esc(label));
}

std::string count_table(const std::vector<Count>& v, const char* head, bool mono) {
  if (v.empty()) return "<p class=\"empty\">none</p>";
  std::string t = fmt::format("<table><thead><tr><th>{}</th><th class=\"num\">Count</th></tr></thead><tbody>", head);
  for (const auto& c : v)
    t += fmt::format("<tr><td{}>{}</td><td class=\"num\">{}</td></tr>", mono ? " class=\"mono\"" : "", esc(c.key), c.n);
  return t + "</tbody></table>";
}

}  // namespace

void write_html_report(const Fleet& fleet, const Analysis& a, std::ostream& out, size_t max_rows) {
  int64_t vulnerable = 0, mitigated = 0, copies = 0;
  for (const auto& h : a.hosts) vulnerable += h.vulnerable, mitigated += h.mitigated, copies += h.current.size();
  int64_t scanned = 0;
  for (const auto& h : a.hosts) scanned += h.scans > 0;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'; img-src data:\">"
         "<title>Log4Shield fleet report</title><style>"
      << kStyle << "</style></head><body>\n";
  out << "<header><h1>Log4Shield fleet report</h1><p>Generated " << esc(a.generated) << " from " << a.reports
      << " reports" << (a.since.empty() ? "" : " &middot; events since " + esc(a.since)) << "</p></header><main>\n";

  // Summary cards.
  out << "<div class=\"cards\" id=\"summary\">";
  out << card("hosts", static_cast<int64_t>(a.hosts.size()), "hosts known", "");
  out << card("hosts_scanned", scanned, "hosts scanned", "");
  out << card("hosts_exposed", a.hosts_exposed, "hosts exposed", a.hosts_exposed ? "bad" : "good");
  out << card("vulnerable_copies", vulnerable, "vulnerable copies", vulnerable ? "bad" : "good");
  out << card("mitigated_copies", mitigated, "mitigated copies", mitigated ? "warn" : "good");
  out << card("fixed", static_cast<int64_t>(a.fixed.size()), "copies fixed", "good");
  out << card("attempts", a.attempts, "attack attempts", a.attempts ? "warn" : "good");
  out << card("attempts_reaching_jndi", a.attempts_reaching_jndi, "reached JNDI", a.attempts_reaching_jndi ? "bad" : "good");
  out << card("callbacks", static_cast<int64_t>(a.callbacks.size()), "canary callbacks", a.callbacks.empty() ? "good" : "bad");
  out << card("confirmed_targets", static_cast<int64_t>(a.confirmed_targets.size()), "targets confirmed by probe",
              a.confirmed_targets.empty() ? "good" : "bad");
  out << "</div>\n";

  // Exposure charts.
  std::vector<Count> by_cve, by_host;
  for (const auto& [cve, hs] : a.exposed_by_cve) by_cve.push_back({cve, static_cast<int64_t>(hs.size())});
  std::stable_sort(by_cve.begin(), by_cve.end(), [](const Count& x, const Count& y) { return x.n > y.n; });
  for (const auto& h : a.hosts)
    if (h.vulnerable) by_host.push_back({h.host, h.vulnerable});
  std::stable_sort(by_host.begin(), by_host.end(), [](const Count& x, const Count& y) { return x.n > y.n; });
  out << "<div class=\"grid2\">";
  out << "<section id=\"by-cve\"><h2>Hosts still exposed, by CVE</h2>" << bars(by_cve, "#b3261e", "hosts per CVE")
      << "</section>";
  out << "<section id=\"by-version\"><h2>Vulnerable copies, by version</h2>"
      << bars(a.exposed_by_version, "#e0542b", "copies per version") << "</section>";
  out << "<section id=\"by-host\"><h2>Vulnerable copies, by host</h2>" << bars(by_host, "#3559c7", "copies per host", 25)
      << "</section>";
  out << "<section id=\"by-severity\"><h2>Hosts by worst open severity</h2>";
  std::vector<Count> sev;
  for (const char* s : {"critical", "high", "medium", "low"}) {
    auto it = a.hosts_by_severity.find(s);
    sev.push_back({s, it == a.hosts_by_severity.end() ? 0 : it->second});
  }
  out << bars(sev, "#d99a00", "hosts per severity") << "</section></div>\n";

  // Findings table: every current copy, or the worst `max_rows` of them.
  struct Item {
    const HostState* h;
    const Finding* f;
  };
  std::vector<Item> items;
  for (const auto& h : a.hosts)
    for (const auto& f : h.current) items.push_back({&h, &f});
  const size_t total = items.size();
  if (max_rows && total > max_rows) {
    std::stable_sort(items.begin(), items.end(), [](const Item& x, const Item& y) {
      if (x.f->status != y.f->status) return x.f->status < y.f->status;  // vulnerable, mitigated, safe
      return x.f->severity > y.f->severity;
    });
    items.resize(max_rows);
  }
  out << "<section id=\"findings-section\"><h2>Findings (current state of every host)</h2>";
  if (items.size() < total)
    out << fmt::format("<p id=\"truncated\" class=\"muted\">The {} worst of {} copies (vulnerable first); "
                       "<code>log4shield fleet status --format json</code> lists them all.</p>",
                       items.size(), total);
  out << "<div class=\"toolbar\"><input id=\"filter\" type=\"search\" placeholder=\"Filter: host, path, version, CVE, "
         "status\u2026\" aria-label=\"Filter findings\"><span id=\"shown\" class=\"muted\">"
      << items.size() << " of " << items.size()
      << " findings</span></div><div class=\"scroll\"><table id=\"findings\"><thead><tr>"
      << "<th data-sort=\"text\">Host</th><th data-sort=\"text\">Location</th><th data-sort=\"text\" class=\"hide-sm\">Component</th>"
         "<th data-sort=\"text\">Version</th><th data-sort=\"text\">Status</th><th data-sort=\"num\">Severity</th>"
         "<th data-sort=\"text\" class=\"hide-sm\">CVEs</th><th data-sort=\"text\" class=\"hide-sm\">Last scan</th>"
         "</tr></thead><tbody>\n";
  for (const Item& it : items) {
    const HostState& h = *it.h;
    const Finding& f = *it.f;
    std::string version = f.version ? *f.version : f.version_range.empty() ? "unknown" : f.version_range;
    std::string cves;
    for (const auto& c : f.cves) cves += (cves.empty() ? "" : " ") + c;
    for (const auto& c : f.mitigated_cves) cves += (cves.empty() ? "" : " ") + c + "\u00a0(mitigated)";
    out << fmt::format(
        "<tr><td>{}</td><td data-v=\"{}\">{}</td><td class=\"hide-sm\">{}</td><td>{}</td><td class=\"st-{}\">{}</td>"
        "<td data-v=\"{}\">{}</td><td class=\"hide-sm mono\">{}</td><td class=\"hide-sm\">{}</td></tr>\n",
        esc(h.host), esc(f.location), nested(f.location), esc(f.component), esc(version), to_string(f.status),
        to_string(f.status), sev_rank(f.severity), sev_badge(to_string(f.severity)), esc(cves), esc(h.last_scan));
  }
  out << "</tbody></table></div></section>\n";

  // Hosts.
  out << "<section id=\"hosts-section\"><h2>Hosts</h2><div class=\"scroll\"><table id=\"hosts\"><thead><tr>"
         "<th>Host</th><th>State</th><th>Last scan</th><th class=\"num\">Scans</th>"
         "<th class=\"num\">Vulnerable</th><th class=\"num\">Mitigated</th><th class=\"num\">Fixed</th>"
         "<th class=\"num hide-sm\">Attempts</th><th class=\"hide-sm\">Open CVEs</th></tr></thead><tbody>";
  std::set<std::string> stale(a.not_scanned_since.begin(), a.not_scanned_since.end());
  for (const auto& h : a.hosts) {
    std::string cves;
    for (const auto& c : h.open_cves) cves += (cves.empty() ? "" : " ") + c;
    std::string state = h.exposed ? "<span class=\"st-vulnerable\">exposed</span>"
                        : h.scans == 0 ? "<span class=\"muted\">never scanned</span>"
                                       : "<span class=\"st-safe\">not exposed</span>";
    if (stale.count(h.host)) state += " <span class=\"muted\">(stale)</span>";
    out << fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num hide-sm\">{}</td>"
        "<td class=\"hide-sm mono\">{}</td></tr>\n",
        esc(h.host), state, h.last_scan.empty() ? "never" : esc(h.last_scan), h.scans, h.vulnerable, h.mitigated,
        h.fixed, h.attempts, esc(cves));
  }
  out << "</tbody></table></div></section>\n";

  // Fix progress.
  out << "<section id=\"progress\"><h2>Fix progress over time</h2>" << progress_chart(a.progress);
  out << "<h3>Fixed copies</h3>";
  if (a.fixed.empty()) {
    out << "<p class=\"empty\">nothing fixed yet</p>";
  } else {
    out << "<div class=\"scroll\"><table id=\"fixed\"><thead><tr><th>When</th><th>Host</th><th>Location</th>"
           "<th>Component</th><th>How</th><th>Now</th></tr></thead><tbody>";
    for (const auto& f : a.fixed)
      out << fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>", esc(f.fixed_at),
                         esc(f.host), nested(f.location), esc(f.component), esc(f.version), esc(f.how), esc(f.now));
    out << "</tbody></table></div>";
  }
  if (!a.since.empty()) {
    out << "<h3>Not scanned since " << esc(a.since) << "</h3>";
    if (a.not_scanned_since.empty()) out << "<p class=\"empty\">every host was scanned since</p>";
    else {
      out << "<ul id=\"stale\">";
      for (const auto& hname : a.not_scanned_since) out << "<li>" << esc(hname) << "</li>";
      out << "</ul>";
    }
  }
  out << "</section>\n";

  // Attacks.
  out << "<section id=\"attacks\"><h2>Attack timeline (attempts per hour, UTC)</h2>" << timeline(a.attempts_by_hour);
  out << "<div class=\"grid2\"><div><h3>Attempts per host</h3>";
  std::vector<Count> per_host;
  for (const auto& h : a.hosts)
    if (h.attempts) per_host.push_back({h.host, h.attempts});
  out << count_table(per_host, "Host", false) << "</div><div><h3>Top source IPs</h3>"
      << count_table(a.top_sources, "Source IP", true) << "</div><div><h3>Top callback hosts</h3>"
      << count_table(a.top_callback_hosts, "Callback host", true) << "</div></div>";
  out << "<h3>Decoded commands</h3>" << count_table(a.decoded_commands, "Command", true) << "</section>\n";

  // Canary.
  out << "<section id=\"canary\"><h2>Canary confirmations</h2>";
  if (a.confirmed_targets.empty() && a.callbacks.empty()) out << "<p class=\"empty\">no callback recorded</p>";
  if (!a.confirmed_targets.empty()) {
    out << "<h3>Probed targets that called back</h3><table id=\"confirmed\"><thead><tr><th>Target</th>"
           "<th class=\"num\">Injection points</th><th>First callback</th><th>Points</th></tr></thead><tbody>";
    for (const auto& p : a.confirmed_targets) {
      std::string points;
      for (const auto& pt : p.points) points += (points.empty() ? "" : ", ") + pt;
      out << fmt::format("<tr><td class=\"mono\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                         esc(p.target), p.hits, esc(p.first_callback), esc(points));
    }
    out << "</tbody></table>";
  }
  if (!a.callbacks.empty()) {
    out << "<h3>Callbacks received</h3><div class=\"scroll\"><table id=\"callbacks\"><thead><tr><th>Time</th>"
           "<th>Protocol</th><th>Peer</th><th>Name</th><th>Token</th></tr></thead><tbody>";
    for (const auto& c : a.callbacks)
      out << fmt::format("<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
                         esc(c.time), esc(c.protocol), esc(c.peer), esc(c.name), esc(c.token));
    out << "</tbody></table></div>";
  }
  out << "</section>\n";
  (void)fleet;
  out << "</main><script>" << kScript << "</script></body></html>\n";
}

}  // namespace l4s::fleet
