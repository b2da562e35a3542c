#include "canary/canary.h"

#include <csignal>
#include <iostream>

#include "canary/listeners.h"
#include "net/http_request.h"
#include "net/jrmp.h"
#include "net/ldap.h"

namespace l4s::net {
namespace {

ConversationFactory factory_for(Protocol p, const DnsPolicy& dns) {
  switch (p) {
    case Protocol::kLdap:
      return [](const asio::ip::tcp::endpoint&) { return make_ldap_conversation(); };
    case Protocol::kRmi:
      // The ProtocolAck tells the client how we see it, as a real registry does.
      return [](const asio::ip::tcp::endpoint& peer) {
        return make_rmi_conversation(peer.address().to_string(), peer.port());
      };
    case Protocol::kDns:
      return [dns](const asio::ip::tcp::endpoint&) { return make_dns_tcp_conversation(dns); };
    case Protocol::kHttp:
      return [](const asio::ip::tcp::endpoint&) { return make_http_conversation(); };
  }
  return nullptr;
}

}  // namespace

void Canary::State::emit(Protocol protocol, Sighting seen, const std::string& peer, const std::string& listener) {
  Callback cb;
  cb.time_ms = now_ms();
  cb.protocol = protocol;
  cb.peer = peer;
  cb.listener = listener;
  cb.token = std::move(seen.token);
  cb.name = std::move(seen.name);
  cb.extras = std::move(seen.extras);
  cb.detail = std::move(seen.detail);
  callbacks++;
  if (!sink) return;
  try {
    sink(cb);
  } catch (...) {
    sink_errors++;  // a failing sink must not take the listeners down
  }
}

Result<std::unique_ptr<Canary>> Canary::start(asio::io_context& io, CanaryOptions options, CallbackSink sink) {
  std::unique_ptr<Canary> canary(new Canary());
  canary->state_ = std::make_shared<State>();
  State& state = *canary->state_;
  state.options = std::move(options);
  state.sink = std::move(sink);
  std::vector<std::function<void()>> starters;

  for (const ListenSpec& spec : state.options.listen) {
    const std::string where = std::string(to_string(spec.protocol)) + " " + spec.at.text();
    if (!state.options.allow_non_loopback && !is_loopback(spec.at.address))
      return Error{where + ": not a loopback address (binding elsewhere must be asked for explicitly)"};
    asio::error_code ec;
    const asio::ip::address address = asio::ip::make_address(spec.at.address, ec);
    if (ec) return Error{where + ": " + ec.message()};

    uint16_t port = spec.at.port;
    if (spec.protocol == Protocol::kDns) {
      // UDP and TCP share the port; with port 0 the TCP side may find the
      // UDP-chosen port taken, so try a few.
      bool bound = false;
      std::string error;
      for (int attempt = 0; attempt < 10 && !bound; ++attempt) {
        auto udp = std::make_shared<UdpDnsListener>(io, canary->state_);
        if (Status s = udp->bind({address, spec.at.port}); !s.ok()) return Error{where + "/udp: " + s.error()};
        auto tcp = std::make_shared<TcpListener>(io, canary->state_, spec.protocol,
                                                 factory_for(spec.protocol, state.options.dns));
        Status s = tcp->bind({address, udp->port()});
        if (!s.ok()) {
          udp->stop();
          error = s.error();
          if (spec.at.port != 0) break;
          continue;
        }
        bound = true;
        port = udp->port();
        canary->bound_.push_back({spec.protocol, "udp", {spec.at.address, port}});
        canary->bound_.push_back({spec.protocol, "tcp", {spec.at.address, port}});
        canary->stoppers_.push_back([udp] { udp->stop(); });
        canary->stoppers_.push_back([tcp] { tcp->stop(); });
        starters.push_back([udp, tcp] {
          udp->start();
          tcp->start();
        });
      }
      if (!bound) return Error{where + "/tcp: " + error};
      continue;
    }
    auto tcp = std::make_shared<TcpListener>(io, canary->state_, spec.protocol,
                                             factory_for(spec.protocol, state.options.dns));
    if (Status s = tcp->bind({address, port}); !s.ok()) return Error{where + ": " + s.error()};
    canary->bound_.push_back({spec.protocol, "tcp", {spec.at.address, tcp->port()}});
    canary->stoppers_.push_back([tcp] { tcp->stop(); });
    starters.push_back([tcp] { tcp->start(); });
  }
  // Serve only once every listener is bound: all or nothing.
  for (auto& start : starters) start();
  return canary;
}

Canary::~Canary() { stop(); }

void Canary::stop() {
  for (auto& stop : stoppers_) stop();
  stoppers_.clear();
  if (state_) close_all_sessions(*state_);
}

void Canary::run_until_signal(asio::io_context& io) {
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([this](asio::error_code ec, int) {
    if (!ec) stop();
  });
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      std::cerr << "log4shield canary: internal error: " << e.what() << " (continuing)\n";
    }
  }
}

uint16_t Canary::port(Protocol p) const {
  for (const Bound& b : bound_)
    if (b.protocol == p) return b.at.port;
  return 0;
}

CanaryStats Canary::stats() const {
  const State& s = *state_;
  return {s.connections.load(), s.rejected.load(), s.timeouts.load(),
          s.datagrams.load(),   s.callbacks.load(), s.sink_errors.load()};
}

}  // namespace l4s::net
