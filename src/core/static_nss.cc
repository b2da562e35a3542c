// The static release binary's replacements for glibc's NSS functions
// (cmake -DL4S_STATIC=ON links with -Wl,--wrap=getaddrinfo and the others
// below, so every caller, ours or a bundled library's: libpq, libcurl's
// threaded resolver, OpenSSL's BIO, gets these instead of glibc's).
//
// A statically linked glibc cannot load the host's NSS modules safely (they
// must come from the very glibc version we linked, which the host seldom
// has, and a bare chroot has none), so:
//   * host names: numeric addresses are parsed, "localhost" is the loopback,
//     and every other name goes through c-ares (linked statically), which
//     reads /etc/hosts and then asks the servers of /etc/resolv.conf (no
//     resolv.conf: 127.0.0.1, as glibc does). No mDNS, LDAP or SSSD hosts.
//   * users and groups: /etc/passwd and /etc/group read directly
//     (core/accounts); names that only LDAP or SSSD know are shown by number.
//   * service names: a few well-known ones; numeric ports always work.
// Reverse lookups (getnameinfo) are numeric only.
#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "core/accounts.h"

namespace {

// ---------- addresses ----------

struct Addr {
  int family;
  sockaddr_storage sa;
  socklen_t len;
};

bool parse_port(const char* service, int socktype, unsigned* port) {
  if (service == nullptr || *service == '\0') {
    *port = 0;
    return true;
  }
  char* end = nullptr;
  unsigned long v = strtoul(service, &end, 10);
  if (*end == '\0' && v <= 65535) {
    *port = static_cast<unsigned>(v);
    return true;
  }
  static const struct {
    const char* name;
    unsigned port;
  } kKnown[] = {{"http", 80},  {"https", 443}, {"ldap", 389},   {"ldaps", 636},      {"domain", 53},
                {"syslog", 514}, {"rmiregistry", 1099}, {"postgresql", 5432}, {"ftp", 21}, {"ssh", 22}};
  for (const auto& k : kKnown)
    if (strcasecmp(service, k.name) == 0) {
      *port = k.port;
      return true;
    }
  (void)socktype;
  return false;
}

void set_port(Addr* a, unsigned port) {
  if (a->family == AF_INET) reinterpret_cast<sockaddr_in*>(&a->sa)->sin_port = htons(port);
  else reinterpret_cast<sockaddr_in6*>(&a->sa)->sin6_port = htons(port);
}

Addr v4(const in_addr& in) {
  Addr a{};
  a.family = AF_INET;
  auto* s = reinterpret_cast<sockaddr_in*>(&a.sa);
  s->sin_family = AF_INET;
  s->sin_addr = in;
  a.len = sizeof(sockaddr_in);
  return a;
}

Addr v6(const in6_addr& in, uint32_t scope = 0) {
  Addr a{};
  a.family = AF_INET6;
  auto* s = reinterpret_cast<sockaddr_in6*>(&a.sa);
  s->sin6_family = AF_INET6;
  s->sin6_addr = in;
  s->sin6_scope_id = scope;
  a.len = sizeof(sockaddr_in6);
  return a;
}

bool parse_numeric(const char* node, std::vector<Addr>* out) {
  in_addr a4;
  if (inet_pton(AF_INET, node, &a4) == 1) {
    out->push_back(v4(a4));
    return true;
  }
  std::string s(node);
  uint32_t scope = 0;
  if (size_t pct = s.find('%'); pct != std::string::npos) {
    scope = static_cast<uint32_t>(strtoul(s.c_str() + pct + 1, nullptr, 10));
    s.resize(pct);
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    out->push_back(v6(a6, scope));
    return true;
  }
  return false;
}

bool is_localhost(const char* node) {
  size_t n = strlen(node);
  if (n > 0 && node[n - 1] == '.') --n;
  std::string s(node, n);
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s == "localhost" || s == "localhost.localdomain" ||
         (s.size() > 10 && s.compare(s.size() - 10, 10, ".localhost") == 0);
}

// c-ares, synchronously: /etc/hosts, then DNS. Returns an EAI_* code.
int resolve_with_cares(const char* node, int family, std::vector<Addr>* out) {
  static std::once_flag once;
  static int init_rc = ARES_SUCCESS;
  std::call_once(once, [] { init_rc = ares_library_init(ARES_LIB_INIT_ALL); });
  if (init_rc != ARES_SUCCESS) return EAI_FAIL;
  ares_channel channel;
  ares_options opts{};
  opts.timeout = 3000;  // ms per try, as glibc's default 5 s is long for a scanner
  opts.tries = 2;
  if (ares_init_options(&channel, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) return EAI_SYSTEM;

  struct State {
    bool done = false;
    int status = ARES_ENOTFOUND;
    std::vector<Addr>* out;
  } st{false, ARES_ENOTFOUND, out};
  ares_addrinfo_hints hints{};
  hints.ai_family = family;
  hints.ai_flags = ARES_AI_NOSORT;
  ares_getaddrinfo(
      channel, node, nullptr, &hints,
      [](void* arg, int status, int, ares_addrinfo* res) {
        auto* s = static_cast<State*>(arg);
        s->done = true;
        s->status = status;
        if (status == ARES_SUCCESS && res != nullptr)
          for (ares_addrinfo_node* n = res->nodes; n != nullptr; n = n->ai_next) {
            if (n->ai_family == AF_INET)
              s->out->push_back(v4(reinterpret_cast<sockaddr_in*>(n->ai_addr)->sin_addr));
            else if (n->ai_family == AF_INET6) {
              auto* s6 = reinterpret_cast<sockaddr_in6*>(n->ai_addr);
              s->out->push_back(v6(s6->sin6_addr, s6->sin6_scope_id));
            }
          }
        if (res != nullptr) ares_freeaddrinfo(res);
      },
      &st);
  while (!st.done) {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int mask = ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
    pollfd pfds[ARES_GETSOCK_MAXNUM];
    nfds_t n = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short ev = 0;
      if (ARES_GETSOCK_READABLE(mask, i)) ev |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(mask, i)) ev |= POLLOUT;
      if (ev) pfds[n++] = pollfd{socks[i], ev, 0};
    }
    if (n == 0) {
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      if (!st.done) break;  // nothing to wait for and no answer: give up
      continue;
    }
    timeval tv{}, *tvp = ares_timeout(channel, nullptr, &tv);
    int ms = tvp ? static_cast<int>(tvp->tv_sec * 1000 + tvp->tv_usec / 1000) : 1000;
    int rc = poll(pfds, n, ms);
    if (rc < 0 && errno != EINTR) break;
    if (rc <= 0) {
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
      continue;
    }
    for (nfds_t i = 0; i < n; ++i)
      ares_process_fd(channel, (pfds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfds[i].fd : ARES_SOCKET_BAD,
                      (pfds[i].revents & POLLOUT) ? pfds[i].fd : ARES_SOCKET_BAD);
  }
  ares_destroy(channel);
  if (!st.done) return EAI_AGAIN;
  switch (st.status) {
    case ARES_SUCCESS: return out->empty() ? EAI_NONAME : 0;
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
    case ARES_EBADNAME: return EAI_NONAME;
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED:
    case ARES_ESERVFAIL: return EAI_AGAIN;
    case ARES_ENOMEM: return EAI_MEMORY;
    default: return EAI_FAIL;
  }
}

// glibc's layout: one block for the addrinfo and its address, the canonical
// name separately; so glibc's freeaddrinfo would free it too.
addrinfo* make_node(const Addr& a, int socktype, int protocol) {
  auto* ai = static_cast<addrinfo*>(calloc(1, sizeof(addrinfo) + sizeof(sockaddr_storage)));
  if (ai == nullptr) return nullptr;
  ai->ai_family = a.family;
  ai->ai_socktype = socktype;
  ai->ai_protocol = protocol;
  ai->ai_addrlen = a.len;
  ai->ai_addr = reinterpret_cast<sockaddr*>(ai + 1);
  memcpy(ai->ai_addr, &a.sa, a.len);
  return ai;
}

}  // namespace

extern "C" {

void __wrap_freeaddrinfo(addrinfo* ai) {
  while (ai != nullptr) {
    addrinfo* next = ai->ai_next;
    free(ai->ai_canonname);
    free(ai);
    ai = next;
  }
}

int __wrap_getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
  *res = nullptr;
  const int family = hints ? hints->ai_family : AF_UNSPEC;
  const int flags = hints ? hints->ai_flags : 0;
  const int socktype = hints ? hints->ai_socktype : 0;
  const int protocol = hints ? hints->ai_protocol : 0;
  if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) return EAI_FAMILY;
  if (node == nullptr && service == nullptr) return EAI_NONAME;
  unsigned port = 0;
  if (!parse_port(service, socktype, &port)) return (flags & AI_NUMERICSERV) ? EAI_NONAME : EAI_SERVICE;

  std::vector<Addr> addrs;
  if (node == nullptr || *node == '\0') {
    if (flags & AI_PASSIVE) {
      if (family != AF_INET) addrs.push_back(v6(in6addr_any));
      if (family != AF_INET6) addrs.push_back(v4(in_addr{htonl(INADDR_ANY)}));
    } else {
      if (family != AF_INET) addrs.push_back(v6(in6addr_loopback));
      if (family != AF_INET6) addrs.push_back(v4(in_addr{htonl(INADDR_LOOPBACK)}));
    }
  } else if (parse_numeric(node, &addrs)) {
    // numeric: nothing to resolve
  } else if (flags & AI_NUMERICHOST) {
    return EAI_NONAME;
  } else if (is_localhost(node)) {
    if (family != AF_INET6) addrs.push_back(v4(in_addr{htonl(INADDR_LOOPBACK)}));
    if (family != AF_INET) addrs.push_back(v6(in6addr_loopback));
  } else if (int rc = resolve_with_cares(node, family, &addrs); rc != 0) {
    return rc;
  }

  // Keep the asked family; with AI_V4MAPPED an AF_INET6 ask may take IPv4.
  std::vector<Addr> kept;
  for (Addr a : addrs) {
    if (family == AF_INET6 && a.family == AF_INET) {
      if (!(flags & AI_V4MAPPED)) continue;
      in6_addr m{};
      m.s6_addr[10] = m.s6_addr[11] = 0xff;
      memcpy(&m.s6_addr[12], &reinterpret_cast<sockaddr_in*>(&a.sa)->sin_addr, 4);
      a = v6(m);
    }
    if (family == AF_INET && a.family != AF_INET) continue;
    set_port(&a, port);
    kept.push_back(a);
  }
  if (kept.empty()) return EAI_NONAME;

  // No socket type asked: one entry per type, as glibc does (stream, dgram).
  std::vector<std::pair<int, int>> types;
  if (socktype != 0) types.push_back({socktype, protocol});
  else types = {{SOCK_STREAM, IPPROTO_TCP}, {SOCK_DGRAM, IPPROTO_UDP}};

  addrinfo *head = nullptr, **tail = &head;
  for (const Addr& a : kept)
    for (auto [type, proto] : types) {
      addrinfo* ai = make_node(a, type, proto);
      if (ai == nullptr) {
        __wrap_freeaddrinfo(head);
        return EAI_MEMORY;
      }
      *tail = ai;
      tail = &ai->ai_next;
    }
  if ((flags & AI_CANONNAME) && node != nullptr) head->ai_canonname = strdup(node);
  *res = head;
  return 0;
}

int __wrap_getnameinfo(const sockaddr* sa, socklen_t salen, char* host, socklen_t hostlen, char* serv,
                       socklen_t servlen, int flags) {
  (void)flags;  // numeric only: names would need NSS or DNS reverse lookups
  const void* addr;
  unsigned port;
  if (sa->sa_family == AF_INET && salen >= sizeof(sockaddr_in)) {
    addr = &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr;
    port = ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
  } else if (sa->sa_family == AF_INET6 && salen >= sizeof(sockaddr_in6)) {
    addr = &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
  } else {
    return EAI_FAMILY;
  }
  if (host != nullptr && hostlen > 0 && inet_ntop(sa->sa_family, addr, host, hostlen) == nullptr) return EAI_OVERFLOW;
  if (serv != nullptr && servlen > 0) {
    int n = snprintf(serv, servlen, "%u", port);
    if (n < 0 || static_cast<socklen_t>(n) >= servlen) return EAI_OVERFLOW;
  }
  return 0;
}

// c-ares asks getservbyname for a service name; we pass none, and numeric
// ports never reach it.
servent* __wrap_getservbyname(const char*, const char*) { return nullptr; }
int __wrap_getservbyport_r(int, const char*, servent*, char*, size_t, servent** result) {
  *result = nullptr;
  return ENOENT;
}

// libpcap's filter compiler (pcap_compile: "host NAME", "net NAME", "proto
// NAME") asks these; names in filters are not supported, numbers and
// libpcap's own protocol keywords are.
hostent* __wrap_gethostbyname(const char*) {
  h_errno = HOST_NOT_FOUND;
  return nullptr;
}
int __wrap_getnetbyname_r(const char*, netent*, char*, size_t, netent** result, int* h_errnop) {
  *result = nullptr;
  if (h_errnop) *h_errnop = HOST_NOT_FOUND;
  return ENOENT;
}
int __wrap_getprotobyname_r(const char* name, protoent* pe, char* buf, size_t buflen, protoent** result) {
  static const struct {
    const char* name;
    int proto;
  } kProtos[] = {{"ip", 0}, {"icmp", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17}, {"ipv6", 41}, {"gre", 47},
                 {"esp", 50}, {"ah", 51}, {"icmpv6", 58}, {"ipv6-icmp", 58}, {"sctp", 132}};
  *result = nullptr;
  for (const auto& p : kProtos)
    if (strcasecmp(name, p.name) == 0) {
      size_t n = strlen(p.name) + 1;
      if (buflen < n + sizeof(char*)) return ERANGE;
      memcpy(buf, p.name, n);
      size_t off = (n + alignof(char*) - 1) / alignof(char*) * alignof(char*);
      if (off + sizeof(char*) > buflen) return ERANGE;
      pe->p_name = buf;
      pe->p_aliases = reinterpret_cast<char**>(buf + off);
      pe->p_aliases[0] = nullptr;
      pe->p_proto = p.proto;
      *result = pe;
      return 0;
    }
  return ENOENT;
}

// ---------- users and groups ----------

namespace {

// Copies s into buf at *used, returns it (nullptr when buf is too small).
char* put(const std::string& s, char* buf, size_t buflen, size_t* used) {
  if (*used + s.size() + 1 > buflen) return nullptr;
  char* p = buf + *used;
  memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  *used += s.size() + 1;
  return p;
}

int fill_passwd(const std::optional<l4s::PasswdEntry>& e, passwd* pw, char* buf, size_t buflen, passwd** result) {
  *result = nullptr;
  if (!e) return 0;  // not found: 0 with a null result, as glibc
  size_t used = 0;
  if (!(pw->pw_name = put(e->name, buf, buflen, &used)) || !(pw->pw_passwd = put(e->passwd, buf, buflen, &used)) ||
      !(pw->pw_gecos = put(e->gecos, buf, buflen, &used)) || !(pw->pw_dir = put(e->dir, buf, buflen, &used)) ||
      !(pw->pw_shell = put(e->shell, buf, buflen, &used)))
    return ERANGE;
  pw->pw_uid = e->uid;
  pw->pw_gid = e->gid;
  *result = pw;
  return 0;
}

int fill_group(const std::optional<l4s::GroupEntry>& e, group* gr, char* buf, size_t buflen, group** result) {
  *result = nullptr;
  if (!e) return 0;
  size_t used = 0;
  if (!(gr->gr_name = put(e->name, buf, buflen, &used)) || !(gr->gr_passwd = put(e->passwd, buf, buflen, &used)))
    return ERANGE;
  std::vector<std::string> members;
  for (size_t start = 0; start < e->members.size();) {
    size_t comma = e->members.find(',', start);
    if (comma == std::string::npos) comma = e->members.size();
    if (comma > start) members.push_back(e->members.substr(start, comma - start));
    start = comma + 1;
  }
  std::vector<char*> ptrs;
  for (const std::string& m : members) {
    char* p = put(m, buf, buflen, &used);
    if (p == nullptr) return ERANGE;
    ptrs.push_back(p);
  }
  ptrs.push_back(nullptr);
  used = (used + alignof(char*) - 1) / alignof(char*) * alignof(char*);
  if (used + ptrs.size() * sizeof(char*) > buflen) return ERANGE;
  gr->gr_mem = reinterpret_cast<char**>(buf + used);
  memcpy(gr->gr_mem, ptrs.data(), ptrs.size() * sizeof(char*));
  gr->gr_gid = e->gid;
  *result = gr;
  return 0;
}

std::string passwd_text() { return l4s::read_account_file("/etc/passwd"); }
std::string group_text() { return l4s::read_account_file("/etc/group"); }

thread_local passwd tl_pw;
thread_local group tl_gr;
thread_local char tl_pw_buf[4096];
thread_local char tl_gr_buf[16384];

}  // namespace

int __wrap_getpwuid_r(uid_t uid, passwd* pw, char* buf, size_t buflen, passwd** result) {
  return fill_passwd(l4s::passwd_by_uid(passwd_text(), uid), pw, buf, buflen, result);
}
int __wrap_getpwnam_r(const char* name, passwd* pw, char* buf, size_t buflen, passwd** result) {
  return fill_passwd(l4s::passwd_by_name(passwd_text(), name), pw, buf, buflen, result);
}
int __wrap_getgrgid_r(gid_t gid, group* gr, char* buf, size_t buflen, group** result) {
  return fill_group(l4s::group_by_gid(group_text(), gid), gr, buf, buflen, result);
}
int __wrap_getgrnam_r(const char* name, group* gr, char* buf, size_t buflen, group** result) {
  return fill_group(l4s::group_by_name(group_text(), name), gr, buf, buflen, result);
}
passwd* __wrap_getpwuid(uid_t uid) {
  passwd* r = nullptr;
  if (int e = __wrap_getpwuid_r(uid, &tl_pw, tl_pw_buf, sizeof tl_pw_buf, &r); e != 0) errno = e;
  return r;
}
passwd* __wrap_getpwnam(const char* name) {
  passwd* r = nullptr;
  if (int e = __wrap_getpwnam_r(name, &tl_pw, tl_pw_buf, sizeof tl_pw_buf, &r); e != 0) errno = e;
  return r;
}
group* __wrap_getgrgid(gid_t gid) {
  group* r = nullptr;
  if (int e = __wrap_getgrgid_r(gid, &tl_gr, tl_gr_buf, sizeof tl_gr_buf, &r); e != 0) errno = e;
  return r;
}
group* __wrap_getgrnam(const char* name) {
  group* r = nullptr;
  if (int e = __wrap_getgrnam_r(name, &tl_gr, tl_gr_buf, sizeof tl_gr_buf, &r); e != 0) errno = e;
  return r;
}

}  // extern "C"
