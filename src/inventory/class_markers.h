// Byte-level facts about Java class files, without parsing them: the magic,
// the class-file major version, and whether a constant-pool string occurs.
//
// String constants, class names and method descriptors are stored in the
// constant pool as plain (modified) UTF-8, so a substring search finds them.
// The markers used by the detectors carry no package names, so the same test
// works on relocated (shaded) copies.
#pragma once

#include <cstdint>
#include <string_view>

namespace l4s::inventory {

// True when bytes start with the class-file magic 0xCAFEBABE and hold at
// least the fixed header (magic, minor, major).
bool is_class_file(std::string_view bytes);

// Class-file major version (bytes 6-7, big endian): 49 = Java 5, 50 = Java 6,
// 51 = Java 7, 52 = Java 8, ...; 0 when bytes are not a class file.
int class_major(std::string_view bytes);

// Substring search (glibc memmem: two-way, linear time). Empty needle: true.
bool contains(std::string_view haystack, std::string_view needle);

// Base name without directories: "a/b/C.class" -> "C.class".
std::string_view entry_base_name(std::string_view path);

// Directory part including the trailing '/': "a/b/C.class" -> "a/b/"; "" at root.
std::string_view entry_dir(std::string_view path);

// True when path's base name is `stem` followed by '.' and a non-empty
// extension ("JndiLookup.class", "JndiLookup.esclazz", "JndiManager.classrenamed").
// Class loaders with private extensions exist (Elastic APM .esclazz, Azure
// .classdata), so the extension is never trusted either way: content decides.
bool has_stem(std::string_view path, std::string_view stem);

}  // namespace l4s::inventory
