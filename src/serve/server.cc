#include "serve/server.h"

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <array>
#include <atomic>
#include <cctype>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace l4s::serve {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct Server::Impl {
  ServerOptions options;
  Api& api;
  Metrics& metrics;
  net::io_context ioc;
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc, SIGINT, SIGTERM};
  net::steady_timer accept_pause{ioc};
  std::unique_ptr<net::thread_pool> workers;
  std::atomic<size_t> open{0};
  std::string url;

  Impl(const ServerOptions& o, Api& a, Metrics& m) : options(o), api(a), metrics(m) {}
  void accept();
};

namespace {

std::string lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One client connection over `Stream` (beast::tcp_stream, or an SSL stream
// over one). All its handlers run on its strand.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Server::Impl& server, Stream stream, std::string peer)
      : server_(server), stream_(std::move(stream)), peer_(std::move(peer)) {
    server_.metrics.connection_opened();
  }
  ~Session() {
    --server_.open;
    server_.metrics.connection_closed();
  }

  void start() {
    if constexpr (kTls) {
      lowest().expires_after(server_.options.header_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->read_header();
      });
    } else {
      read_header();
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body);
    lowest().expires_after(server_.options.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::header_limit) return refuse(431, "request header over the limit");
    // Beast checks a Content-Length against the body limit with the header.
    if (ec == http::error::body_limit) return refuse_too_large();
    if (ec) return close();  // end of stream, timeout, garbage: nothing to answer
    if (lower(parser_->get()[http::field::expect]) == "100-continue") {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      lowest().expires_after(server_.options.body_timeout);
      http::async_write(stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code e, size_t) {
        if (e) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    lowest().expires_after(server_.options.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit) return refuse_too_large();  // chunked, past the limit
    if (ec) return close();
    auto& req = parser_->get();
    auto request = std::make_shared<Request>();
    request->method = std::string(req.method_string().data(), req.method_string().size());
    request->target = std::string(req.target().data(), req.target().size());
    for (const auto& field : req) request->headers[lower(field.name_string())] = std::string(field.value().data(), field.value().size());
    request->body = std::move(req.body());
    request->peer = peer_;
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    net::post(*server_.workers, [self = this->shared_from_this(), request] {
      Response response = self->server_.api.handle(*request);
      if (request->method == "POST" && response.status >= 400)
        std::cerr << "log4shield fleet serve: " << request->peer << " " << request->target << ": " << response.status
                  << " " << response.body;
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response)]() mutable { self->write(std::move(response), false); });
    });
  }

  void refuse_too_large() { refuse(413, "body over " + std::to_string(server_.options.max_body) + " bytes"); }

  // Answers a request that was not read whole, and closes.
  void refuse(int status, const std::string& reason) {
    if (status == 413) server_.metrics.rejected(Metrics::Rejection::kTooLarge);
    server_.metrics.request(status, 0);
    write(error_response(status, reason), true);
  }

  void write(Response r, bool close_after) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "log4shield");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : r.headers) res->set(name, value);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_ && !close_after);
    res->prepare_payload();
    if (head_) res->body().clear();  // Content-Length stays that of the body
    lowest().expires_after(server_.options.body_timeout);
    http::async_write(stream_, *res, [self = this->shared_from_this(), res, close_after](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (close_after) return self->drain();
      if (!res->keep_alive()) return self->close();
      self->read_header();
    });
  }

  // After refusing a request whose body is still coming: read and drop what
  // the client sends (a bounded amount, briefly) before closing, so it reads
  // our answer instead of a connection reset.
  void drain() {
    if (drained_ > kDrainBytes) return close();
    lowest().expires_after(std::chrono::seconds(2));
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  void close() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  Server::Impl& server_;
  Stream stream_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false, head_ = false;
  static constexpr size_t kDrainBytes = 8u << 20;
  size_t drained_ = 0;
  std::array<char, 16 * 1024> drain_buffer_;
};

Result<tcp::endpoint> parse_listen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Error{"--listen wants ADDR:PORT, not " + listen};
  std::string addr = listen.substr(0, colon);
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  if (addr.empty()) addr = "0.0.0.0";
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end || port < 0 || port > 65535) return Error{"--listen: bad port '" + port_text + "'"};
  beast::error_code ec;
  auto ip = net::ip::make_address(addr, ec);
  if (ec) return Error{"--listen: '" + addr + "' is not an IP address"};
  return tcp::endpoint(ip, static_cast<unsigned short>(port));
}

// Many slow clients are many sockets: raise the soft descriptor limit to the hard one.
void raise_descriptor_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors (EMFILE) fails every accept at once: pause rather
      // than spin, and keep serving the connections that are open.
      accept_pause.expires_after(std::chrono::milliseconds(50));
      accept_pause.async_wait([this](beast::error_code e) {
        if (!e) accept();
      });
      return;
    }
    if (open.load() >= options.max_connections) {
      metrics.connection_refused();
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      ++open;
      beast::error_code peer_ec;
      const auto remote = socket.remote_endpoint(peer_ec);
      std::string peer = peer_ec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port());
      beast::tcp_stream stream(std::move(socket));
      if (tls)
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            *this, beast::ssl_stream<beast::tcp_stream>(std::move(stream), *tls), std::move(peer))
            ->start();
      else
        std::make_shared<Session<beast::tcp_stream>>(*this, std::move(stream), std::move(peer))->start();
    }
    accept();
  });
}

Result<std::unique_ptr<Server>> Server::bind(const ServerOptions& options, Api& api, Metrics& metrics) {
  auto impl = std::make_unique<Impl>(options, api, metrics);
  if (!options.insecure_http) {
    if (options.tls_cert.empty() || options.tls_key.empty())
      return Error{"--tls-cert and --tls-key are required (or --insecure-http behind a TLS proxy)"};
    impl->tls.emplace(ssl::context::tls_server);
    auto& ctx = *impl->tls;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    ctx.use_certificate_chain_file(options.tls_cert, ec);
    if (ec) return Error{options.tls_cert + ": cannot load the certificate chain: " + ec.message()};
    ctx.use_private_key_file(options.tls_key, ssl::context::pem, ec);
    if (ec) return Error{options.tls_key + ": cannot load the private key: " + ec.message()};
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
      return Error{options.tls_key + ": the private key does not match " + options.tls_cert};
  }
  auto endpoint = parse_listen(options.listen);
  if (!endpoint.ok()) return Error{endpoint.error()};
  raise_descriptor_limit();
  beast::error_code ec;
  auto& acc = impl->acceptor;
  acc.open(endpoint->protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(*endpoint, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Error{"cannot listen on " + options.listen + ": " + ec.message()};
  const auto bound = acc.local_endpoint();
  const std::string host =
      bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
  impl->url = std::string(options.insecure_http ? "http" : "https") + "://" + host + ":" + std::to_string(bound.port());
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  impl->workers = std::make_unique<net::thread_pool>(options.workers ? options.workers : 2 * cores);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

std::string Server::url() const { return impl_->url; }

void Server::run() {
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) stop();
  });
  impl_->accept();
  // The I/O threads only move bytes and run TLS; the workers do the rest.
  const size_t io_threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < io_threads; ++i) threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : threads) t.join();
  impl_->workers->join();
}

void Server::stop() {
  net::post(impl_->ioc, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->signals.cancel(ignored);
    impl_->accept_pause.cancel();
    impl_->ioc.stop();
  });
}

}  // namespace l4s::serve
