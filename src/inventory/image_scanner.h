// Container images: `docker save` tarballs and OCI image layouts (directory
// or tar). Layers are read in order from the manifest, each as a sub-range of
// the image file (no copy); whiteouts (.wh. files, opaque directories) are
// honoured so a jar deleted in a later layer is not reported as present.
#pragma once

#include <string>
#include <vector>

#include "archive/byte_source.h"
#include "archive/tar_index.h"
#include "inventory/file_scanner.h"

namespace l4s::inventory {

struct ImageOptions {
  bool all_layers = false;  // also report copies deleted or replaced by a later layer
};

// True when the members of an uncompressed tar are an image (manifest.json
// with layers, or an OCI layout).
bool looks_like_image(const std::vector<archive::TarMember>& members);

// Scans an image tarball (docker save / OCI tar) or an OCI layout directory.
// Findings are located as PATH!/REF@CONFIG-DIGEST!/LAYER-DIGEST!/path/in/image.
void scan_image(FileScanner& scanner, const std::string& path, const ImageOptions& options, ScanOutput& out);

// Same, for an image tar already opened and indexed (met during a walk).
void scan_image_tar(FileScanner& scanner, archive::SourcePtr tar, const std::vector<archive::TarMember>& members,
                    const std::string& path, const ImageOptions& options, ScanOutput& out);

}  // namespace l4s::inventory
