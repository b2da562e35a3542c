// One fuzz iteration for the rewriter, shared by the libFuzzer target and a
// unit test that replays it over the fixtures: whatever the input, `fix`'s
// sequence (integrity check, rewrite, proof) either refuses or yields an
// archive that opens, has exactly the kept entries, each reading back to the
// original content. Returns what happened.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "archive/zip_reader.h"
#include "inventory/class_markers.h"
#include "remediate/zip_rewrite.h"

namespace l4s::remediate::fuzz {

enum class Verdict { kNotZip, kRefused, kRewritten };

// Deterministic edit: drop JndiLookup-like entries and every third entry
// (offset by the input size), rewrite the first nested zip the same way.
inline ZipEdit choose_edit(const archive::ZipReader& zr, archive::MemoryBudget& budget, int depth);

inline Result<archive::SourcePtr> rewrite_nested(const archive::ZipReader& zr, archive::MemoryBudget& budget,
                                                 int depth) {
  if (!verify_all_entries(zr).ok()) return Result<archive::SourcePtr>::failure("damaged");
  ZipEdit edit = choose_edit(zr, budget, depth);
  SpillSink sink(budget, zr.source()->size());
  if (Status s = rewrite_zip(zr, edit, budget, sink); !s.ok()) return Result<archive::SourcePtr>::failure(s.error());
  auto out = sink.finish();
  if (!out.ok()) return out;
  auto oz = archive::ZipReader::open(*out);
  if (!oz.ok()) return Result<archive::SourcePtr>::failure(oz.error());
  if (Status s = verify_rewrite(zr, edit, *oz); !s.ok()) return Result<archive::SourcePtr>::failure(s.error());
  return out;
}

inline ZipEdit choose_edit(const archive::ZipReader& zr, archive::MemoryBudget& budget, int depth) {
  ZipEdit edit;
  const auto& entries = zr.entries();
  edit.drop.assign(entries.size(), false);
  const size_t salt = static_cast<size_t>(zr.source()->size() % 3);
  bool nested_done = depth >= 2;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (inventory::has_stem(e.name, "JndiLookup") || i % 3 == salt) {
      edit.drop[i] = true;
      continue;
    }
    if (nested_done || e.uncompressed_size < 22 || e.uncompressed_size > (8u << 20)) continue;
    auto head = zr.peek(e, 4);
    if (!head.ok() || !archive::looks_like_zip(head->data(), head->size())) continue;
    auto src = zr.open_entry(e, budget, 8u << 20);
    if (!src.ok()) continue;
    auto inner = archive::ZipReader::open(*src);
    if (!inner.ok()) continue;
    auto rewritten = rewrite_nested(*inner, budget, depth + 1);
    if (!rewritten.ok()) continue;
    edit.replace[i] = *rewritten;
    nested_done = true;
  }
  return edit;
}

[[noreturn]] inline void fail(const std::string& why) {
  std::fprintf(stderr, "zip rewrite fuzz: %s\n", why.c_str());
  std::abort();
}

inline Verdict run_one(const uint8_t* data, size_t size) {
  archive::MemoryBudget budget(64u << 20);
  auto src = archive::memory_source(std::vector<uint8_t>(data, data + size));
  auto zr = archive::ZipReader::open(src);
  if (!zr.ok()) return Verdict::kNotZip;
  if (!verify_all_entries(*zr).ok()) return Verdict::kRefused;  // fix refuses damaged archives
  ZipEdit edit = choose_edit(*zr, budget, 0);
  SpillSink sink(budget, size);
  if (!rewrite_zip(*zr, edit, budget, sink).ok()) return Verdict::kRefused;
  auto out = sink.finish();
  if (!out.ok()) return Verdict::kRefused;
  auto oz = archive::ZipReader::open(*out);
  if (!oz.ok()) return Verdict::kRefused;  // fix's proof fails: nothing written
  if (!verify_rewrite(*zr, edit, *oz).ok()) return Verdict::kRefused;

  // Proven: check it independently of the proof.
  const auto& a = zr->entries();
  const auto& b = oz->entries();
  size_t j = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (edit.dropped(i)) continue;
    if (j >= b.size()) fail("entry missing from a verified rewrite");
    const auto& x = a[i];
    const auto& y = b[j++];
    if (x.name != y.name || x.method != y.method) fail("entry differs in a verified rewrite: " + x.name);
    if (edit.replace.count(i) || x.encrypted() || (x.method != 0 && x.method != 8)) continue;
    auto cx = zr->read(x, 64u << 20);
    auto cy = oz->read(y, 64u << 20);
    if (cx.ok() != cy.ok() || (cx.ok() && *cx != *cy)) fail("content differs in a verified rewrite: " + x.name);
  }
  if (j != b.size()) fail("extra entries in a verified rewrite");
  if (!verify_all_entries(*oz).ok()) fail("verified rewrite has a bad entry");
  return Verdict::kRewritten;
}

}  // namespace l4s::remediate::fuzz
