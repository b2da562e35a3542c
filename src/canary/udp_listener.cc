// DNS over UDP: one datagram in, at most one datagram out.
#include "canary/listeners.h"

namespace l4s::net {

UdpDnsListener::UdpDnsListener(asio::io_context& io, std::shared_ptr<Canary::State> state)
    : socket_(io), state_(std::move(state)) {}

Status UdpDnsListener::bind(const asio::ip::udp::endpoint& at) {
  asio::error_code ec;
  socket_.open(at.protocol(), ec);
  if (!ec && at.address().is_v6()) socket_.set_option(asio::ip::v6_only(true), ec);
  if (!ec) socket_.bind(at, ec);
  // Replies are sent synchronously; a full send buffer drops the reply (as
  // the network could) instead of stalling every other client.
  if (!ec) socket_.non_blocking(true, ec);
  if (ec) {
    asio::error_code ignored;
    socket_.close(ignored);
    return Status::failure(ec.message());
  }
  local_ = endpoint_text(socket_.local_endpoint(ec)) + "/udp";
  return {};
}

uint16_t UdpDnsListener::port() const {
  asio::error_code ec;
  return socket_.local_endpoint(ec).port();
}

void UdpDnsListener::stop() {
  asio::error_code ignored;
  socket_.close(ignored);
}

void UdpDnsListener::receive() {
  socket_.async_receive_from(asio::buffer(buf_), from_, [self = shared_from_this()](asio::error_code ec, size_t n) {
    if (!self->socket_.is_open() || ec == asio::error::operation_aborted) return;
    // Oversized datagrams (n > kDnsMaxMessage) and transient errors are ignored.
    if (!ec && n <= kDnsMaxMessage) {
      self->state_->datagrams++;
      DnsExchange ex = dns_exchange(Bytes(self->buf_.data(), n), self->state_->options.dns);
      if (ex.seen) self->state_->emit(Protocol::kDns, std::move(*ex.seen), endpoint_text(self->from_), self->local_);
      if (ex.reply) {
        asio::error_code ignored;
        self->socket_.send_to(asio::buffer(*ex.reply), self->from_, 0, ignored);
      }
    }
    self->receive();
  });
}

}  // namespace l4s::net
