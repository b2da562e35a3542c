// User and group names read from /etc/passwd and /etc/group directly, without
// glibc's NSS: the static release binary (cmake -DL4S_STATIC=ON) cannot load
// the host's NSS modules, so its getpwuid/getgrgid family is this code
// (core/static_nss.cc). Entries that are not in the files (LDAP, SSSD users)
// are shown by number.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace l4s {

// One line of /etc/passwd: name:passwd:uid:gid:gecos:dir:shell.
struct PasswdEntry {
  std::string name, passwd;
  unsigned uid = 0, gid = 0;
  std::string gecos, dir, shell;
};

// One line of /etc/group: name:passwd:gid:member,member...
struct GroupEntry {
  std::string name, passwd;
  unsigned gid = 0;
  std::string members;  // as written, comma-separated
};

// The first entry of a passwd/group file's text with that id or name. Lines
// that are blank, comments, NIS "+"/"-" entries or malformed are skipped.
std::optional<PasswdEntry> passwd_by_uid(std::string_view text, unsigned uid);
std::optional<PasswdEntry> passwd_by_name(std::string_view text, std::string_view name);
std::optional<GroupEntry> group_by_gid(std::string_view text, unsigned gid);
std::optional<GroupEntry> group_by_name(std::string_view text, std::string_view name);

// The whole of a small file (/etc/passwd), empty when it cannot be read.
std::string read_account_file(const char* path);

// The name of uid in /etc/passwd (gid in /etc/group), else the number.
std::string user_name_from_files(unsigned uid, const char* passwd_path = "/etc/passwd");
std::string group_name_from_files(unsigned gid, const char* group_path = "/etc/group");

}  // namespace l4s
