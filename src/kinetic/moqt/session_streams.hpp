// Internal: the stream handlers of a session: request streams (bidirectional) and incoming
// unidirectional streams (the peer's control stream or a data stream).
#pragma once

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "kinetic/moqt/session_impl.hpp"
#include "kinetic/wire/data_stream_type.hpp"
#include "kinetic/wire/varint.hpp"

namespace kinetic::moqt {

inline std::uint64_t code_of(wire::SessionError e) { return static_cast<std::uint64_t>(e); }

inline wire::SessionError close_code_for(const Error& e) {
  return e.code == Errc::kKeyValueFormatting ? wire::SessionError::kKeyValueFormattingError
                                                   : wire::SessionError::kProtocolViolation;
}

using wire::SessionError;

// A bidirectional stream carrying one request and its responses.
class RequestStream final : public transport::StreamHandler {
 public:
  RequestStream(Session::Impl& impl, transport::Stream& stream, bool incoming)
      : impl_(impl), stream_(&stream), id_(stream.id()), parser_(impl.v), incoming_(incoming) {
    stream.set_handler(this);
  }
  ~RequestStream() override {
    if (stream_ != nullptr) stream_->set_handler(nullptr);
  }

  void on_data(transport::Stream& stream, std::span<const std::uint8_t> data, bool fin) override {
    (void)stream;
    // Cancelled already (the peer's STOP_SENDING can overtake the request's own bytes): what
    // follows would start a request nothing could end, its stream being gone by then.
    if (ended) return;
    if (incoming_ && !first_seen_ && !impl_.session.ready_) {
      hold(data, fin);
      return;
    }
    // The session can close (and release this stream) while a message is dispatched: after a
    // dispatch only locals are read until the session is known to be open (a message that
    // closes it may come with the stream's FIN).
    Session::Impl& impl = impl_;
    std::weak_ptr<Session> alive = impl.session.weak_from_this();
    while (!data.empty() && !alive.expired() && !impl.session.closed()) {
      auto msg = parser_.next(data);
      if (!msg) {
        if (msg.error().need_more()) break;
        impl.fail(close_code_for(msg.error()), msg.error().what);
        return;
      }
      if (!first_seen_ && incoming_) {
        first_seen_ = true;
        impl.on_first_request_message(*this, std::move(*msg));
      } else {
        impl.on_request_message(*this, std::move(*msg));
      }
    }
    if (fin && !alive.expired() && !impl.session.closed()) {
      if (parser_.mid_message()) {
        impl.fail(SessionError::kProtocolViolation, "request stream ended inside a message");
        return;
      }
      peer_finished_ = true;
      impl.on_request_ended(*this, false);
    }
  }
  void on_reset(transport::Stream& stream, transport::ErrorCode code) override {
    (void)stream; (void)code;
    drop_held();
    peer_finished_ = true;
    impl_.on_request_ended(*this, true);
  }
  void on_stop_sending(transport::Stream& stream, transport::ErrorCode code) override {
    (void)code;
    drop_held();
    stream.reset(static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled));
    impl_.on_request_ended(*this, true);
  }
  void on_closed(transport::Stream& stream) override {
    (void)stream;
    stream_ = nullptr;
    detach();
    impl_.release_request(id_);
  }

  // Passes what arrived before SETUP on to the session, now that it is ready.
  void resume() {
    if (!holding_) return;
    holding_ = false;
    auto bytes = std::move(held_);
    held_.clear();
    parser_ = wire::ControlParser(impl_.v);  // the version SETUP settled
    if (stream_ != nullptr) on_data(*stream_, bytes, held_fin_);
  }

  void detach() {
    std::visit([](auto& t) {
      using T = std::decay_t<decltype(t)>;
      if constexpr (!std::is_same_v<T, std::monostate>) t->stream_ = nullptr;
    }, target);
  }

  [[nodiscard]] transport::Stream* stream() const noexcept { return stream_; }
  [[nodiscard]] bool incoming() const noexcept { return incoming_; }
  void set_id(transport::StreamId id) { id_ = id; }
  [[nodiscard]] transport::StreamId id() const noexcept { return id_; }

  RequestTarget target;
  bool counted = false;   // counts against max_incoming_requests
  bool ended = false;     // on_request_ended ran
  bool goaway_seen = false;  // the peer sent GOAWAY on this stream

 private:
  Session::Impl& impl_;
  transport::Stream* stream_;
  transport::StreamId id_ = 0;
  wire::ControlParser parser_;
  bool incoming_;
  bool first_seen_ = false;
  bool peer_finished_ = false;
  // A request that races ahead of the peer's SETUP (streams have no order between them) waits
  // here rather than failing the session, as the draft asks; a flood is bounded per session.
  void hold(std::span<const std::uint8_t> data, bool fin) {
    if (refused_) return;
    if (impl_.held_request_bytes + data.size() > Session::Impl::kMaxHeldRequestBytes) {
      spdlog::debug("moqt: request stream {} before SETUP beyond {} held bytes: reset", id_,
                    Session::Impl::kMaxHeldRequestBytes);
      drop_held();
      refused_ = true;
      if (stream_ != nullptr) {
        const auto code = static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled);
        stream_->stop_sending(code);
        stream_->reset(code);
      }
      return;
    }
    held_.insert(held_.end(), data.begin(), data.end());
    held_fin_ = held_fin_ || fin;
    impl_.held_request_bytes += data.size();
    if (!holding_) {
      holding_ = true;
      impl_.held_requests.push_back(id_);
    }
  }
  void drop_held() {
    if (!holding_) return;
    impl_.held_request_bytes -= std::min(impl_.held_request_bytes, held_.size());
    held_.clear();
    held_.shrink_to_fit();
    holding_ = false;
  }
  std::vector<std::uint8_t> held_;
  bool held_fin_ = false;
  bool holding_ = false;
  bool refused_ = false;  // reset for holding too much before SETUP
};

// An incoming unidirectional stream: the peer's control stream (SETUP first) or a data stream.
class IncomingUniStream final : public transport::StreamHandler {
 public:
  IncomingUniStream(Session::Impl& impl, transport::Stream& stream)
      : impl_(impl), stream_(&stream), id_(stream.id()) {
    stream.set_handler(this);
  }
  ~IncomingUniStream() override {
    if (stream_ != nullptr) stream_->set_handler(nullptr);
  }

  void on_data(transport::Stream& stream, std::span<const std::uint8_t> data, bool fin) override {
    (void)stream;
    std::weak_ptr<Session> alive = impl_.session.weak_from_this();
    if (mode_ == Mode::kUnknown) {
      prefix_.insert(prefix_.end(), data.begin(), data.end());
      auto type = wire::decode_varint(prefix_);
      if (!type) {
        if (!type.error().need_more()) {
          impl_.fail(SessionError::kProtocolViolation, "bad stream type");
        } else if (fin) {
          impl_.fail(SessionError::kProtocolViolation, "stream ended inside its type");
        }
        return;
      }
      if (type->value == wire::kSetupStreamType) {
        if (impl_.control_in != nullptr) {
          impl_.fail(SessionError::kProtocolViolation, "second control stream");
          return;
        }
        mode_ = Mode::kControl;
        impl_.control_in = stream_;
        parser_.emplace(impl_.v);
      } else {
        mode_ = Mode::kData;
        reader_.emplace(impl_.v, impl_.session.options_.max_object_payload);
      }
      std::vector<std::uint8_t> first;
      first.swap(prefix_);
      feed(std::span<const std::uint8_t>(first), fin);
      return;
    }
    (void)alive;
    feed(data, fin);
  }
  // A data stream keeps an object's payload as the chunk it arrived in when the chunk holds it
  // whole (wire::FramedStreamParser), so bytes from an inproc hop are never copied.
  void on_shared_data(transport::Stream& stream, const SharedBytes& data, bool fin) override {
    if (mode_ != Mode::kData) {
      on_data(stream, data.span(), fin);
      return;
    }
    feed_data(data, fin);
  }

  void on_reset(transport::Stream& stream, transport::ErrorCode code) override {
    (void)stream; (void)code;
    if (mode_ == Mode::kControl) {
      impl_.fail(SessionError::kProtocolViolation, "control stream reset");
      return;
    }
    reset_ = true;
    // A stream reset before its header arrived names no subscription: nothing to report.
    if (mode_ == Mode::kData) impl_.on_data_ready(*this);
  }
  void on_closed(transport::Stream& stream) override {
    (void)stream;
    stream_ = nullptr;
    if (impl_.control_in == &stream) impl_.control_in = nullptr;
    auto id = id_;
    auto& impl = impl_;
    // Objects still buffered for a subscription whose SUBSCRIBE_OK is late stay here.
    if (mode_ == Mode::kData && waiting_) return;
    impl.session.loop().post([w = impl.session.weak_from_this(), &impl, id] {
      if (w.expired()) return;
      impl.uni_streams.erase(id);
      // A peer that sends nothing for now keeps no block of received bytes alive through the arena.
      if (std::none_of(impl.uni_streams.begin(), impl.uni_streams.end(),
                       [](const auto& s) { return s.second->mode() == Mode::kData; }))
        impl.received.release();
    });
  }

  enum class Mode : std::uint8_t { kUnknown, kControl, kData };
  [[nodiscard]] Mode mode() const noexcept { return mode_; }
  [[nodiscard]] transport::Stream* stream() const noexcept { return stream_; }
  [[nodiscard]] transport::StreamId id() const noexcept { return id_; }
  std::optional<DataStreamReader>& reader() { return reader_; }
  bool finished = false;
  bool reset_ = false;
  bool waiting_ = false;   // holds objects for an alias not known yet
  bool abandoned = false;  // the subscription is gone: drop whatever comes
  bool order_set_ = false;  // FETCH: group order applied to the reader
  bool counted_end_ = false;  // its end was counted towards the subscription's PUBLISH_DONE

 private:
  void feed(std::span<const std::uint8_t> data, bool fin) {
    if (mode_ == Mode::kControl) {
      // As for request streams: a message that closes the session releases this stream too.
      Session::Impl& impl = impl_;
      std::weak_ptr<Session> alive = impl.session.weak_from_this();
      while (!data.empty() && !alive.expired() && !impl.session.closed()) {
        auto msg = parser_->next(data);
        if (!msg) {
          if (msg.error().need_more()) break;
          impl.fail(close_code_for(msg.error()), msg.error().what);
          return;
        }
        impl.on_control_message(std::move(*msg));
      }
      if (fin && !alive.expired() && !impl.session.closed()) {
        impl.fail(SessionError::kProtocolViolation, "control stream closed");
      }
      return;
    }
    feed_data(impl_.received.copy(data), fin);
  }

  void feed_data(const SharedBytes& data, bool fin) {
    if (abandoned) return;
    if (!data.empty() && !reader_->feed(data)) {
      impl_.fail(static_cast<SessionError>(reader_->error_code()), reader_->error_what());
      return;
    }
    if (fin) {
      if (!reader_->finish()) {
        impl_.fail(static_cast<SessionError>(reader_->error_code()), reader_->error_what());
        return;
      }
      finished = true;
    }
    impl_.on_data_ready(*this);
  }

  Session::Impl& impl_;
  transport::Stream* stream_;
  transport::StreamId id_;
  Mode mode_ = Mode::kUnknown;
  std::vector<std::uint8_t> prefix_;
  std::optional<wire::ControlParser> parser_;
  std::optional<DataStreamReader> reader_;
};

}  // namespace kinetic::moqt
