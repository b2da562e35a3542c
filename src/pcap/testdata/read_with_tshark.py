#!/usr/bin/env python3
# Reads one capture with tshark (not with log4shield) and prints its row of
# expected_attack_data.tsv: tshark's TCP payloads per stream and direction,
# percent/base64-decoded to find the callback host:port after each "${";
# LDAP bind+search DNs and RMI registry names read off the client bytes;
# served payloads from the server bytes and Java/ class fetches; DNS TXT
# queries and TLS server names from tshark's dissectors. The scheme of each
# callback was read by hand from the payloads (see scheme_of).
#
#   usage: read_with_tshark.py CAPTURE [NAME_IN_TABLE]
# The table was made with (OTRF zips extracted to /tmp/pcapx first):
#   for f in $(find . -name '*.pcap*' | sort | sed 's|^./||'); do read_with_tshark.py $f $f; done
import subprocess, sys, re, base64, urllib.parse, collections
f = sys.argv[1]
def ts(*args):
    return subprocess.run(["tshark", "-r", f] + list(args), capture_output=True, text=True).stdout
link = subprocess.run(["capinfos", "-T", "-E", f], capture_output=True, text=True).stdout.strip().splitlines()[-1].split("\t")[-1]
rows = ts("-T", "fields", "-E", "separator=\t", "-e", "frame.number", "-e", "tcp.stream", "-e", "ip.src", "-e", "tcp.srcport",
          "-e", "ip.dst", "-e", "tcp.dstport", "-e", "tcp.flags.syn", "-e", "tcp.flags.ack", "-e", "tcp.payload", "-Y", "tcp")
streams = collections.OrderedDict()
syn = {}
for line in rows.splitlines():
    p = line.split("\t")
    if len(p) < 9: continue
    key = (p[2], p[3], p[4], p[5]); st = p[1]
    if p[6] in ("1", "True") and p[7] in ("0", "False"): syn[st] = key
    streams.setdefault(st, collections.OrderedDict()).setdefault(key, b"")
    if p[8]: streams[st][key] += bytes.fromhex(p[8].replace(":", ""))
def decode(b):
    t = b.decode("latin-1")
    for _ in range(3): t = urllib.parse.unquote(t)
    for m in re.findall(r"Basic ([A-Za-z0-9+/=]+)", t):
        try: t += "\n" + base64.b64decode(m + "==").decode("latin-1")
        except Exception: pass
    return t
attempts, ldap, rmi, served, conns = [], [], [], [], []
for st, dirs in streams.items():
    for key, data in dirs.items():
        t = decode(data)
        if data.startswith(bytes.fromhex("300c020101600702010304008000")):
            m = re.search(rb"\x63.{1,3}?\x04(.)", data[14:])
            dn = ""
            i = data.find(b"\x63", 14)
            if i > 0:
                j = i + 2 if data[i+1] < 0x80 else i + 2 + (data[i+1] & 0x7f)
                ln = data[j+1]; k = j + 2
                if ln & 0x80: n = ln & 0x7f; ln = int.from_bytes(data[k:k+n], "big"); k += n
                dn = data[k:k+ln].decode("latin-1")
            ldap.append(f"{key[2]}:{key[3]}/{dn}")
        elif data.startswith(b"JRMI"):
            i = data.find(bytes.fromhex("44154dc9d4e63bdf74"))
            name = ""
            if i > 0:
                ln = int.from_bytes(data[i+9:i+11], "big"); name = data[i+11:i+11+ln].decode("latin-1")
            rmi.append(f"{key[2]}:{key[3]}/{name}")
        elif re.search(r"\$\{", t) and b"Java/" not in data[:400]:
            for line in re.split(r"[\r\n&]", t):
                i = line.find("${")
                if i < 0: continue
                m = re.search(r"//([A-Za-z0-9.\-]+)(?::(\d+))?", line[i:])
                if m: attempts.append(f"{key[0]}>{key[2]}:{key[3]} cb={m.group(1)}:{m.group(2) or '-'}")
        if data.startswith(b"GET ") and re.search(rb"User-Agent: Java/", data) and re.search(rb"\.class ", data):
            resp = [d for k2, d in dirs.items() if k2 != key]
            body = resp[0] if resp else b""
            hdr_end = body.find(b"\r\n\r\n")
            after = body[hdr_end+4:hdr_end+8] if hdr_end >= 0 else b""
            ct = re.search(rb"(?i)content-type: *([^\r\n]*)", body[:hdr_end] if hdr_end >= 0 else b"")
            served.append(f"java_class_fetch({key[2]}:{key[3]} body={after.hex()} ct={ct.group(1).decode() if ct else '-'})")
        if data[:1] == b"0" and (b"javaClassName" in data or b"javaSerializedData" in data or b"javaCodeBase" in data):
            attrs = [a.decode() for a in re.findall(rb"(javaClassName|javaCodeBase|javaSerializedData|javaFactory|javaNamingReference)", data)]
            served.append("ldap_entry(" + ",".join(sorted(set(attrs))) + ")")
        if data.startswith(b"N") and (bytes.fromhex("51aced") in data or bytes.fromhex("51cafebabe") in data):
            served.append("rmi_return(" + ("serialized" if bytes.fromhex("51aced") in data else "class") + ")")
    s = syn.get(st, next(iter(dirs)))
    conns.append(f"{s[0]}>{s[2]}:{s[3]}")
dns = ts("-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "dns.qry.name", "-e", "dns.qry.type", "-Y", "dns.flags.response==0")
sni = ts("-T", "fields", "-e", "ip.dst", "-e", "tcp.dstport", "-e", "tls.handshake.extensions_server_name", "-Y", "tls.handshake.type==1")

import os
rel = sys.argv[2] if len(sys.argv) > 2 else f
# Scheme of each callback: what the payload names once deobfuscated (read by hand from the
# attempts above: the Fox-IT file name says ldap/rmi/ldaps; Corelight and OTRF write it plainly).
def scheme_of(host, port):
    low = rel.lower()
    if "ldaps" in low: return "ldaps"
    if "/rmi-" in low: return "rmi"
    if "dns_exfil" in low: return "dns"
    return "ldap"
default_port = {"ldap": 389, "ldaps": 636, "rmi": 1099, "dns": 53}
inbound, callbacks = set(), set()
for a in attempts:
    flow, cb = a.split(" cb=")
    src, dst = flow.split(">")
    if dst.endswith(":50452") or dst.endswith(":38782"):  # OTRF: the web app echoing the header in its response
        continue
    host, port = cb.rsplit(":", 1)
    sc = scheme_of(host, port)
    inbound.add(flow)
    callbacks.add(f"{sc}://{host}:{port if port != '-' else default_port[sc]}")
kinds = set()
for x in served:
    if x.startswith("ldap_entry"):
        if "javaSerializedData" in x: kinds.add("ldap_serialized_data")
        if "javaCodeBase" in x or "javaFactory" in x: kinds.add("ldap_reference")
    elif x.startswith("java_class_fetch"): kinds.add("java_class_download")
    elif x == "rmi_return(serialized)": kinds.add("rmi_serialized_return")
    elif x == "rmi_return(class)": kinds.add("rmi_class_return")
dnstxt = set()
for l in dns.splitlines():
    p = l.split("\t")
    if len(p) == 4 and p[3] == "16": dnstxt.add(p[1].split(",")[-1] + "/" + p[2])
# Incidents: inbound flows whose callback is then contacted (TCP connection to host:port,
# TLS SNI naming the host, or a DNS query sent to it).
conn_dst = set(c.split(">")[1] for c in conns)
sni_names = set(l.split("\t")[2] + ":" + l.split("\t")[1] for l in sni.splitlines() if l.count("\t") == 2)
incidents = 0
for a in attempts:
    flow, cb = a.split(" cb=")
    if flow not in inbound: continue
    host, port = cb.rsplit(":", 1)
    sc = scheme_of(host, port); port = port if port != "-" else str(default_port[sc])
    if f"{host}:{port}" in conn_dst or f"{host}:{port}" in sni_names or any(d.startswith(host + "/") for d in dnstxt):
        incidents += 1
def j(xs): return ";".join(sorted(xs)) if xs else "-"
print("\t".join([rel, link, j(inbound), j(callbacks), str(len(ldap)), j(set(ldap)), str(len(rmi)), j(set(rmi)),
                 j(dnstxt), j(kinds), str(incidents)]))
