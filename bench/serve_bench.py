#!/usr/bin/env python3
"""fleet serve under load: N host reports uploaded by C concurrent clients.

Starts `log4shield fleet serve` over HTTPS (a throwaway CA made with openssl)
on SQLite and, when PostgreSQL's server binaries are installed, on a private
PostgreSQL; each client keeps one HTTPS connection and uploads gzip bodies.
Prints reports/s, p50/p99 latency, the server's peak RSS, and checks that
every report was stored exactly once (lost / duplicated). The baseline, in
the same run: `fleet import` of the same report files into a fresh store.

usage: bench/serve_bench.py [BUILD_DIR] [--reports N] [--clients C]
"""
import argparse
import gzip
import http.client
import json
import os
import re
import shutil
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time


def scan_report(i):
    # A host's daily scan: a few copies, one of them vulnerable on odd hosts.
    findings = [{"path": f"/opt/app{k}/lib/log4j-core.jar", "location": f"/opt/app{k}/lib/log4j-core.jar",
                 "component": "log4j-core", "version": "2.14.1" if (i + k) % 2 else "2.17.1",
                 "status": "vulnerable" if (i + k) % 2 else "safe",
                 "cves": ["CVE-2021-44228"] if (i + k) % 2 else [], "severity": "critical" if (i + k) % 2 else "none",
                 "evidence": ["JndiLookup.class present"]} for k in range(3)]
    return json.dumps({"host": f"host{i:05d}", "started": "2026-12-08T00:00:00Z", "finished": "2026-12-08T00:00:05Z",
                       "roots": ["/"], "stats": {"files": 120000 + i, "archives": 300, "errors": 0},
                       "findings": findings, "errors": []}).encode()


def make_ca(d):
    cmds = [
        "openssl ecparam -name prime256v1 -genkey -noout -out ca.key",
        "openssl req -x509 -new -key ca.key -days 2 -subj '/CN=bench CA' -out ca.pem",
        "openssl ecparam -name prime256v1 -genkey -noout -out server.key",
        "openssl req -new -key server.key -subj '/CN=127.0.0.1' -out server.csr",
        "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext "
        "-out server.pem",
    ]
    for c in cmds:
        subprocess.run(c, shell=True, cwd=d, check=True, capture_output=True)


def start_postgres(d):
    """A private PostgreSQL on a unix socket in d; returns (uri, stop) or None."""
    bins = sorted(p for p in (f"/usr/lib/postgresql/{v}/bin" for v in os.listdir("/usr/lib/postgresql"))
                  if os.path.exists(p + "/initdb")) if os.path.isdir("/usr/lib/postgresql") else []
    if not bins:
        return None
    bindir, pg = bins[-1], os.path.join(d, "pg")
    os.makedirs(pg)
    as_user = []
    if os.geteuid() == 0:
        shutil.chown(pg, "postgres", "postgres")
        os.chmod(d, 0o755)
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run(as_user + [bindir + "/initdb", "-D", pg + "/data", "-A", "trust", "-U", "postgres", "-E", "UTF8",
                              "--locale=C", "--no-sync"], check=True, capture_output=True)
    subprocess.run(as_user + [bindir + "/pg_ctl", "-D", pg + "/data", "-l", pg + "/log", "-w", "-o",
                              f"-k {pg} -c listen_addresses='' -p 5432 -c max_connections=200", "start"],
                   check=True, capture_output=True)

    def stop():
        subprocess.run(as_user + [bindir + "/pg_ctl", "-D", pg + "/data", "-m", "immediate", "-w", "stop"],
                       capture_output=True)
    return f"postgresql:///postgres?host={pg}&port=5432&user=postgres", stop


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def count_rows(binary, db, table):
    if db.startswith("postgresql:"):
        m = re.search(r"postgresql:///([^?]+)\?host=([^&]+)", db)
        out = subprocess.run(["psql", "-h", m.group(2), "-U", "postgres", "-d", m.group(1), "-At", "-c",
                              f"SELECT COUNT(*) FROM {table}"], capture_output=True, text=True, check=True)
        return int(out.stdout.strip())
    con = sqlite3.connect(db)
    try:
        return con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def run_server_bench(binary, d, db, bodies, clients, label):
    token = subprocess.run([binary, "fleet", "token", "create", "--db", db, "--name", "bench", "--role", "upload"],
                           capture_output=True, text=True, check=True).stdout.strip()
    log = open(os.path.join(d, f"serve-{label}.log"), "w")
    server = subprocess.Popen([binary, "fleet", "serve", "--listen", "127.0.0.1:0", "--db", db, "--tls-cert",
                               os.path.join(d, "server.pem"), "--tls-key", os.path.join(d, "server.key"),
                               "--rate", "0"], stderr=log)
    port = None
    for _ in range(200):
        m = re.search(r"listening on https://127\.0\.0\.1:(\d+)", open(log.name).read())
        if m:
            port = int(m.group(1))
            break
        time.sleep(0.05)
    if port is None:
        server.kill()
        raise SystemExit("fleet serve did not start: " + open(log.name).read())
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
    latencies, statuses, lock = [], {}, threading.Lock()
    next_index = [0]

    def client():
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=120)
        mine, codes = [], {}
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(bodies):
                break
            t0 = time.perf_counter()
            for attempt in range(5):
                try:
                    conn.request("POST", "/api/v1/reports", body=bodies[i],
                                 headers={"Authorization": "Bearer " + token, "Content-Encoding": "gzip",
                                          "Content-Type": "application/json"})
                    resp = conn.getresponse()
                    resp.read()
                    break
                except (ConnectionError, http.client.HTTPException, OSError):
                    conn.close()
                    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=120)
            mine.append(time.perf_counter() - t0)
            codes[resp.status] = codes.get(resp.status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    rss = peak_rss_mib(server.pid)
    server.terminate()
    server.wait(timeout=30)
    stored = count_rows(binary, db, "reports")
    latencies.sort()
    n = len(latencies)
    print(f"{label:<10} {n} uploads by {clients} clients in {elapsed:.2f} s: {n / elapsed:,.0f} reports/s, "
          f"p50 {latencies[n // 2] * 1000:.1f} ms, p99 {latencies[int(n * 0.99)] * 1000:.1f} ms, "
          f"server peak RSS {rss:.0f} MiB, statuses {dict(sorted(statuses.items()))}")
    print(f"{'':<10} stored {stored}: lost {max(0, len(bodies) - stored)}, "
          f"duplicated {max(0, stored - len(bodies))}")
    return n / elapsed


def run_import_bench(binary, files, db, label):
    t0 = time.perf_counter()
    subprocess.run([binary, "fleet", "import", "--db", db, "--quiet"] + files, check=True)
    elapsed = time.perf_counter() - t0
    print(f"{label:<10} fleet import of the same {len(files)} files: {len(files) / elapsed:,.0f} reports/s "
          f"({elapsed:.2f} s), stored {count_rows(binary, db, 'reports')}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--reports", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=200)
    args = ap.parse_args()
    binary = os.path.abspath(os.path.join(args.build, "log4shield"))
    d = tempfile.mkdtemp(prefix="serve-bench-")
    try:
        make_ca(d)
        reports = [scan_report(i) for i in range(args.reports)]
        bodies = [gzip.compress(r, 6) for r in reports]
        files = []
        os.makedirs(os.path.join(d, "reports"))
        for i, r in enumerate(reports):
            files.append(os.path.join(d, "reports", f"host{i:05d}.json"))
            with open(files[-1], "wb") as f:
                f.write(r)
        print(f"{args.reports} scan reports ({sum(map(len, reports)) / args.reports:.0f} bytes each, "
              f"{sum(map(len, bodies)) / args.reports:.0f} gzipped), {os.cpu_count()} cores")
        run_server_bench(binary, d, os.path.join(d, "serve.db"), bodies, args.clients, "sqlite")
        run_import_bench(binary, files, os.path.join(d, "import.db"), "sqlite")
        pg = start_postgres(d)
        if pg:
            uri, stop = pg
            try:
                subprocess.run(["psql", "-h", re.search(r"host=([^&]+)", uri).group(1), "-U", "postgres", "-c",
                                "CREATE DATABASE imported"], capture_output=True, check=True)
                run_server_bench(binary, d, uri, bodies, args.clients, "postgresql")
                run_import_bench(binary, files, uri.replace("/postgres?", "/imported?"), "postgresql")
            finally:
                stop()
        else:
            print("postgresql: server binaries not found, skipped")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
