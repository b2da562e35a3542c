// Writing a whole file so that readers see the old content or the new one,
// never half of it: a temp file in the same directory, fsync, rename, then
// fsync of the directory so the rename itself survives a crash.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace l4s {

// Writes `content_writer`'s output to `path` atomically. A path that names a
// device, pipe or other non-regular file (/dev/null, /dev/stdout, a FIFO) is
// written through instead. On failure returns false with `error` set to
// "PATH: reason"; the temp file is removed (also when the writer throws).
bool write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& content_writer,
                           std::string* error);

}  // namespace l4s
