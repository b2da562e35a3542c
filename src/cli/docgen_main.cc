// log4shield-docgen OUTDIR: writes the man pages and completions of the
// log4shield command line (built from the same registration code) under
// OUTDIR/man/man1, OUTDIR/bash-completion/completions and
// OUTDIR/zsh/site-functions.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "buildinfo/build_info.h"
#include "cli/app.h"
#include "cli/docgen.h"

namespace {

namespace stdfs = std::filesystem;

bool write_file(const stdfs::path& path, const std::string& text) {
  std::error_code ec;
  stdfs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) std::cerr << "log4shield-docgen: cannot write " << path.string() << "\n";
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: log4shield-docgen OUTDIR\n";
    return 64;
  }
  const stdfs::path out = argv[1];
  CLI::App app;
  int exit_code = 0;
  l4s::cli::build_app(app, exit_code);
  app.name("log4shield");
  const auto& build = l4s::buildinfo::build_info();
  l4s::cli::DocgenInfo info{build.version, build.build_date.substr(0, 10)};

  // A command that no longer exists must not leave its page behind.
  const stdfs::path man1 = out / "man" / "man1";
  std::error_code ec;
  if (stdfs::is_directory(man1, ec))
    for (const auto& e : stdfs::directory_iterator(man1, ec))
      if (e.path().filename().string().rfind("log4shield", 0) == 0 && e.path().extension() == ".1")
        stdfs::remove(e.path(), ec);
  bool ok = true;
  for (const auto& [name, text] : l4s::cli::man_pages(app, info)) ok &= write_file(man1 / name, text);
  ok &= write_file(out / "bash-completion" / "completions" / "log4shield", l4s::cli::bash_completion(app));
  ok &= write_file(out / "zsh" / "site-functions" / "_log4shield", l4s::cli::zsh_completion(app));
  return ok ? 0 : 1;
}
