// The fleet report as one self-contained HTML file: inline CSS, JS and SVG,
// nothing fetched at view time (it opens from a USB stick), readable printed
// and on a phone. Everything is rendered here; the script only sorts and
// filters the findings table, so the numbers read the same without it.
//
// Stable hooks for tests and scripts: each summary card has
// data-metric="<name>" and its number in .n; the findings table is
// #findings (th[data-sort] headers, tbody rows), the filter box #filter and
// the "shown" counter #shown.
#pragma once

#include <cstddef>
#include <ostream>

#include "fleet/model.h"
#include "fleet/status.h"

namespace l4s::fleet {

// `max_rows` caps the findings table (0: no cap), keeping the worst copies, so
// a fleet of thousands of hosts still gives a page a browser opens quickly.
inline constexpr size_t kDefaultMaxRows = 5000;
void write_html_report(const Fleet& fleet, const Analysis& a, std::ostream& out,
                       size_t max_rows = kDefaultMaxRows);

}  // namespace l4s::fleet
