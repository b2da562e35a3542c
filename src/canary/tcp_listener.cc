// TCP plumbing shared by LDAP, RMI, DNS-over-TCP and HTTP: accept, read, feed
// the Conversation, write its reply, enforce the idle timeout and the cap.
#include <chrono>

#include "canary/listeners.h"

namespace l4s::net {

class TcpSession : public std::enable_shared_from_this<TcpSession> {
 public:
  TcpSession(asio::ip::tcp::socket socket, std::shared_ptr<Canary::State> state, Protocol protocol,
             std::unique_ptr<Conversation> conversation, std::string peer, std::string local)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        state_(std::move(state)),
        protocol_(protocol),
        conversation_(std::move(conversation)),
        peer_(std::move(peer)),
        local_(std::move(local)),
        timeout_(state_->options.idle_timeout) {
    state_->sessions.insert(this);
  }
  ~TcpSession() { state_->sessions.erase(this); }

  void start() {
    arm_timer();
    read();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](asio::error_code ec, size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(asio::error_code ec, size_t n) {
    if (closed_) return;
    if (ec) return close();  // EOF, reset, or cancelled by close()
    Step step = conversation_->feed(Bytes(buf_.data(), n));
    for (Sighting& s : step.seen) state_->emit(protocol_, std::move(s), peer_, local_);
    // Once the client has its final answer it should leave; don't hold the
    // socket for the full idle timeout if it doesn't.
    if (step.answered) timeout_ = std::min(timeout_, state_->options.linger);
    arm_timer();
    if (step.reply.empty()) {
      if (step.close) return close();
      return read();
    }
    out_ = std::move(step.reply);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), close_after = step.close](asio::error_code ec, size_t) {
                        if (self->closed_) return;
                        if (ec || close_after) return self->close();
                        self->read();
                      });
  }

  void arm_timer() {
    timer_.expires_after(timeout_);  // cancels the previous wait
    timer_.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (ec || self->closed_) return;  // re-armed or closed
      self->state_->timeouts++;
      self->close();
    });
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<Canary::State> state_;
  Protocol protocol_;
  std::unique_ptr<Conversation> conversation_;
  std::string peer_, local_;
  std::chrono::milliseconds timeout_;
  std::array<uint8_t, 4096> buf_;
  std::string out_;
  bool closed_ = false;
};

TcpListener::TcpListener(asio::io_context& io, std::shared_ptr<Canary::State> state, Protocol protocol,
                         ConversationFactory factory)
    : acceptor_(io), backoff_(io), state_(std::move(state)), protocol_(protocol), factory_(std::move(factory)) {}

Status TcpListener::bind(const asio::ip::tcp::endpoint& at) {
  asio::error_code ec;
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && at.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    asio::error_code ignored;
    acceptor_.close(ignored);
    return Status::failure(ec.message());
  }
  local_ = endpoint_text(acceptor_.local_endpoint(ec));
  return {};
}

uint16_t TcpListener::port() const {
  asio::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void TcpListener::stop() {
  asio::error_code ignored;
  acceptor_.close(ignored);
  backoff_.cancel();
}

void TcpListener::accept() {
  acceptor_.async_accept([self = shared_from_this()](asio::error_code ec, asio::ip::tcp::socket socket) {
    if (!self->acceptor_.is_open() || ec == asio::error::operation_aborted) return;
    if (ec) {
      self->backoff_.expires_after(std::chrono::milliseconds(50));
      self->backoff_.async_wait([self](asio::error_code ec) {
        if (!ec) self->accept();
      });
      return;
    }
    self->on_accept(std::move(socket));
    self->accept();
  });
}

void TcpListener::on_accept(asio::ip::tcp::socket socket) {
  asio::error_code ec;
  if (state_->sessions.size() >= state_->options.max_connections) {
    state_->rejected++;
    socket.close(ec);
    return;
  }
  const asio::ip::tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  state_->connections++;
  auto conversation = factory_(peer);
  auto session = std::make_shared<TcpSession>(std::move(socket), state_, protocol_, std::move(conversation),
                                              endpoint_text(peer), local_);
  session->start();
}

void close_all_sessions(Canary::State& state) {
  // close() only cancels; sessions leave the set from their destructors later.
  std::vector<TcpSession*> open(state.sessions.begin(), state.sessions.end());
  for (TcpSession* s : open) s->close();
}

}  // namespace l4s::net
