// Hostile tars through the tar rewriter and its proof: no crash, no UB, no
// leak. (A proof that fails is fine: fix then refuses to replace the file.)
#include <cstdint>
#include <vector>

#include "remediate/tar_rewrite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace l4s;
  archive::MemoryBudget budget(16 << 20, "/tmp");
  auto tar = archive::memory_source(std::vector<uint8_t>(data, data + size));
  remediate::TarReplacements replace;
  auto names = remediate::list_tar_members(tar, budget);
  if (names.ok() && !names->empty()) replace[names->size() / 2] = archive::memory_source({'f', 'i', 'x'});
  remediate::SpillSink sink(budget, size);
  if (!remediate::rewrite_tar(tar, replace, budget, sink).ok()) return 0;
  auto out = sink.finish();
  if (!out.ok()) return 0;
  (void)remediate::verify_tar_rewrite(tar, replace, *out, budget);
  return 0;
}
