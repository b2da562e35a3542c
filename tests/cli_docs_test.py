#!/usr/bin/env python3
"""The generated man pages and completions against the real binary's --help.

Usage: cli_docs_test.py LOG4SHIELD SHARE_DIR

Walks `log4shield --help` and `log4shield CMD... --help` for every command at
every depth, and checks that:
  - each command has its page (log4shield-fleet-serve.1 for `fleet serve`)
    with the man(7) sections, listing exactly the flags --help lists and every
    subcommand, and that `man --warnings -l` renders it without a warning;
  - bash completion, sourced in bash and called as bash would, offers every
    flag after `-` and every subcommand, and `log4shield sc` / `log4shield
    scan --ex` complete to scan / --exclude;
  - the zsh script lists every flag and subcommand of each command (and
    parses, with `zsh -n`, when zsh is installed).
"""
import os
import re
import shutil
import subprocess
import sys

BINARY, SHARE = sys.argv[1], sys.argv[2]
MAN1 = os.path.join(SHARE, "man", "man1")
BASH = os.path.join(SHARE, "bash-completion", "completions", "log4shield")
ZSH = os.path.join(SHARE, "zsh", "site-functions", "_log4shield")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def help_of(path):
    """(flags, subcommands) that `log4shield PATH --help` lists."""
    out = subprocess.run([BINARY, *path, "--help"], capture_output=True, text=True, check=True).stdout
    flags, subs, section = [], [], None
    for line in out.splitlines():
        if line and not line.startswith(" "):
            section = line.rstrip(":")
            continue
        m = re.match(r"^  (\S+)", line)  # continuation lines are indented further
        if not m:
            continue
        if section == "Options":
            flags += [n for n in m.group(1).split(",") if n.startswith("-")]
        elif section == "Subcommands":
            subs.append(m.group(1))
    return flags, subs


def roff_escape(text):
    return text.replace("\\", "\\e").replace("-", "\\-")


def check_man(path, flags, subs):
    name = "-".join(["log4shield", *path]) + ".1"
    page = os.path.join(MAN1, name)
    if not os.path.exists(page):
        fail(f"{name}: missing")
        return
    src = open(page, encoding="utf-8").read()
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "SEE ALSO"):
        if not re.search(r"^\.SH \"?" + section + r"\"?$", src, re.M):
            fail(f"{name}: no {section} section")
    # The flags in the OPTIONS tags, as written: exactly those of --help.
    tags = re.findall(r"^\.TP\n(\\fB.*)$", src, re.M)
    listed = set()
    for tag in tags:
        listed.update(n.replace("\\-", "-") for n in re.findall(r"\\fB(\\-[^\\]*(?:\\-[^\\]*)*)\\fR", tag))
    if listed != set(flags):
        fail(f"{name}: flags {sorted(listed)} but --help lists {sorted(flags)}")
    for sub in subs:
        if not re.search(r"^\.B " + re.escape(roff_escape(sub)) + "$", src, re.M):
            fail(f"{name}: command {sub} not listed")
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    r = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True, env=env)
    if r.returncode != 0 or r.stderr.strip():
        fail(f"{name}: man --warnings: rc {r.returncode}: {r.stderr.strip()}")


def bash_complete(words):
    """COMPREPLY for COMP_WORDS=words, the cursor on the last word."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _log4shield; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    r = subprocess.run(["bash", "-c", script, "bash", BASH, *words], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"bash completion of {words}: rc {r.returncode}: {r.stderr}")
    return set(filter(None, r.stdout.splitlines()))


def check_bash(path, flags, subs):
    got = bash_complete(["log4shield", *path, "-"])
    missing = set(flags) - got
    if missing:
        fail(f"bash: `log4shield {' '.join(path)} -` lacks {sorted(missing)}")
    if subs:
        got = bash_complete(["log4shield", *path, ""])
        if set(subs) - got:
            fail(f"bash: `log4shield {' '.join(path)} ` lacks {sorted(set(subs) - got)}")


def zsh_block(src, path):
    m = re.search(r"^    \('" + re.escape(" ".join(path)) + r"'\)\n(.*?) ;;$", src, re.M | re.S)
    return m.group(1) if m else None


def check_zsh(src, path, flags, subs):
    block = zsh_block(src, path)
    if block is None:
        fail(f"zsh: no case for `{' '.join(path)}`")
        return
    for item in flags + subs:
        if "'" + item.replace(":", "\\:") + ":" not in block:
            fail(f"zsh: `{' '.join(path)}` lacks {item}")


def main():
    for f in (BASH, ZSH):
        if not os.path.exists(f):
            fail(f"{f}: missing")
    if failures:
        return 1
    zsh_src = open(ZSH, encoding="utf-8").read()
    pages = set(os.listdir(MAN1))
    todo, seen = [[]], 0
    while todo:
        path = todo.pop(0)
        seen += 1
        flags, subs = help_of(path)
        if not flags:
            fail(f"`log4shield {' '.join(path)} --help` lists no flag (parse error?)")
        check_man(path, flags, subs)
        check_bash(path, flags, subs)
        check_zsh(zsh_src, path, flags, subs)
        pages.discard("-".join(["log4shield", *path]) + ".1")
        todo += [path + [s] for s in subs]
    if pages:
        fail(f"pages for no command: {sorted(pages)}")
    if "scan" not in bash_complete(["log4shield", "sc"]):
        fail("bash: `log4shield sc` does not complete to scan")
    if bash_complete(["log4shield", "scan", "--ex"]) != {"--exclude"}:
        fail("bash: `log4shield scan --ex` does not complete to --exclude")
    if "--max-read-rate" not in bash_complete(["log4shield", "hunt", "--max"]):
        fail("bash: `log4shield hunt --max` does not offer --max-read-rate")
    if shutil.which("zsh"):
        r = subprocess.run(["zsh", "-n", ZSH], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"zsh -n: {r.stderr}")
    print(f"{seen} commands checked")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
