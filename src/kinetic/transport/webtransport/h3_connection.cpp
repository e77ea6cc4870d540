#include "kinetic/transport/webtransport/h3_connection.hpp"

#include <algorithm>
#include <string>

#include "kinetic/transport/webtransport/h3_frame.hpp"
#include "kinetic/transport/webtransport/quic_varint.hpp"
#include "kinetic/transport/webtransport/wt_session.hpp"

namespace kinetic::transport::webtransport {

namespace {

constexpr std::uint64_t kNoSession = ~std::uint64_t{0};
// Streams that name a session we do not know yet (they may overtake the CONNECT or its
// response); beyond these limits they are refused with WT_BUFFERED_STREAM_REJECTED.
constexpr std::size_t kMaxBufferedStreams = 16;
constexpr std::size_t kMaxBufferedStreamBytes = 64 * 1024;
constexpr std::size_t kMaxFetchBody = 64 * 1024 * 1024;

bool is_known_frame(std::uint64_t type) {
  return type == frame::kHeaders || type == frame::kSettings || type == frame::kGoaway ||
         type == frame::kCancelPush || type == frame::kPushPromise || type == frame::kMaxPushId ||
         is_http2_only_frame(type);
}

// Errors that concern one request only; all others close the connection (RFC 9114 §8).
bool is_stream_error(std::uint64_t code) {
  return code == h3::kMessageError || code == h3::kRequestRejected || code == h3::kRequestIncomplete ||
         code == h3::kRequestCancelled;
}

}  // namespace

struct H3Connection::StreamState final : StreamHandler, TlvReader::Visitor {
  enum class Kind { kUnknown, kControl, kQpackEncoder, kQpackDecoder, kRequest, kWtPending, kIgnored };

  StreamState(H3Connection& c, Stream& s, std::size_t max_frame)
      : conn(c), stream(s), id(s.id()), frames(max_frame, h3::kExcessiveLoad) {
    s.set_handler(this);
  }

  void on_data(Stream&, std::span<const std::uint8_t> data, bool fin) override { conn.on_stream_data(*this, data, fin); }
  void on_reset(Stream&, ErrorCode code) override { conn.on_stream_reset(*this, code); }
  void on_closed(Stream&) override { conn.on_stream_closed(*this); }

  bool streamed(std::uint64_t type) const override { return type == frame::kData || !is_known_frame(type); }
  H3Status on_element(std::uint64_t type, std::span<const std::uint8_t> payload) override {
    return kind == Kind::kControl ? conn.on_control_frame(*this, type, payload)
                                  : conn.on_request_frame(*this, type, payload);
  }
  H3Status on_chunk(std::uint64_t type, std::span<const std::uint8_t> chunk, bool) override {
    if (type != frame::kData) return std::nullopt;  // unknown frame types are skipped
    if (kind == Kind::kControl) return H3Error{h3::kFrameUnexpected, "DATA on the control stream"};
    return conn.on_request_data(*this, chunk);
  }

  H3Connection& conn;
  Stream& stream;
  StreamId id;
  Kind kind = Kind::kUnknown;
  std::vector<std::uint8_t> head;  // bytes before the stream's kind is known, or buffered WT bytes
  bool fin_seen = false;
  bool local_fin = false;
  bool handed_off = false;
  TlvReader frames;
  bool headers_done = false;
  std::uint64_t wt_session = kNoSession;  // CONNECT stream of this session
  std::uint64_t pending_session = kNoSession;
  FetchCallback fetch;
  FetchResult result;
};

struct H3Connection::PendingConnect {
  std::weak_ptr<WtSession> session;  // empty for a fetch
  ClientOptions options;
  std::string authority;
  std::string path;
  FetchCallback fetch;
};

std::shared_ptr<H3Connection> H3Connection::server(SessionPtr quic, ServerOptions options) {
  const std::size_t max_fields = options.max_field_section_size;
  std::shared_ptr<H3Connection> c(new H3Connection(Role::kServer, std::move(options), max_fields));
  c->attach(std::move(quic));
  return c;
}

std::shared_ptr<H3Connection> H3Connection::client(std::size_t max_field_section_size) {
  return std::shared_ptr<H3Connection>(new H3Connection(Role::kClient, ServerOptions{}, max_field_section_size));
}

H3Connection::H3Connection(Role role, ServerOptions options, std::size_t max_field_section_size)
    : role_(role),
      options_(std::move(options)),
      max_field_section_size_(max_field_section_size),
      decoder_(max_field_section_size) {}

H3Connection::~H3Connection() {
  // Only reached without a close when attach() never ran or the owner dropped us early:
  // make sure no QUIC callback can find us afterwards.
  if (closed_ || !quic_) return;
  for (auto& [id, st] : streams_) st->stream.set_handler(nullptr);
  quic_->set_handler(nullptr);
}

void H3Connection::attach(SessionPtr quic) {
  if (quic_ || !quic) return;
  quic_ = std::move(quic);
  self_ = shared_from_this();
  quic_->set_handler(this);
  open_local_streams();
  flush_pending_connects();
}

bool H3Connection::open_local_streams() {
  if (closed_ || !quic_) return false;
  if (!control_) {
    control_ = quic_->open_uni();
    if (!control_) return false;
    control_->set_handler(&discarding_handler());
    std::vector<std::uint8_t> out;
    put_quic_varint(out, stream_type::kControl);
    put_settings_frame(out, local_settings(max_field_section_size_, role_ == Role::kServer ? options_.max_sessions : 1));
    control_->write(out, false);
  }
  auto open_typed = [&](Stream*& s, std::uint64_t type) {
    if (s) return true;
    s = quic_->open_uni();
    if (!s) return false;
    s->set_handler(&discarding_handler());
    std::vector<std::uint8_t> out;
    put_quic_varint(out, type);
    s->write(out, false);
    return true;
  };
  return open_typed(qpack_encoder_stream_, stream_type::kQpackEncoder) &&
         open_typed(qpack_decoder_stream_, stream_type::kQpackDecoder);
}

void H3Connection::on_ready(Session&) {
  auto keep = shared_from_this();
  open_local_streams();
  flush_pending_connects();
}

void H3Connection::on_streams_available(Session&) {
  auto keep = shared_from_this();
  open_local_streams();
  flush_pending_connects();
}

void H3Connection::on_incoming_stream(Session&, Stream& stream) {
  if (closed_) return;
  streams_[stream.id()] = std::make_unique<StreamState>(*this, stream, max_field_section_size_ + 1024);
}

void H3Connection::on_datagram(Session&, std::span<const std::uint8_t> data) {
  if (closed_) return;
  QuicReader r(data);
  auto quarter = r.varint();
  if (!quarter) return fail(H3Error{h3::kDatagramError, "malformed HTTP datagram"});
  if (*quarter > kMaxQuicVarint / 4) return fail(H3Error{h3::kDatagramError, "quarter stream id out of range"});
  auto it = sessions_.find(*quarter * 4);
  if (it == sessions_.end()) return;  // a datagram may outlive its session; drop it
  auto keep = shared_from_this();
  it->second->on_datagram(r.rest());
}

void H3Connection::on_closed(Session&, const CloseInfo& info) {
  auto keep = shared_from_this();
  closed_ = true;
  terminate_all(info);
  streams_.clear();
  self_.reset();
}

void H3Connection::close(std::uint64_t code, std::string_view reason) {
  if (closed_) return;
  auto keep = shared_from_this();
  closed_ = true;
  terminate_all(CloseInfo{code, std::string(reason), false, false});
  if (quic_) quic_->close(code, reason);
}

void H3Connection::fail(const H3Error& err) { close(err.code, err.what); }

void H3Connection::goaway() {
  if (closed_ || role_ != Role::kServer || goaway_sent_ || !control_) return;
  goaway_sent_ = next_request_id_;
  std::vector<std::uint8_t> out;
  put_goaway_frame(out, *goaway_sent_);
  control_->write(out, false);
}

void H3Connection::terminate_all(const CloseInfo& info) {
  std::vector<std::weak_ptr<WtSession>> sessions;
  for (auto& [id, s] : sessions_) sessions.push_back(s->weak_from_this());
  for (auto& w : sessions)
    if (auto s = w.lock()) s->terminate(info);
  std::vector<std::unique_ptr<PendingConnect>> pending = std::move(pending_connects_);
  pending_connects_.clear();
  for (auto& p : pending) {
    if (p->fetch) p->fetch(FetchResult{});
    else if (auto s = p->session.lock()) s->terminate(info);
  }
  std::vector<FetchCallback> fetches;
  for (auto& [id, st] : streams_)
    if (st->fetch) fetches.push_back(std::exchange(st->fetch, nullptr));
  for (auto& f : fetches) f(FetchResult{});
}

// ------------------------------------------------------------------- stream dispatch

void H3Connection::on_stream_data(StreamState& s, std::span<const std::uint8_t> data, bool fin) {
  if (closed_) return;
  auto keep = shared_from_this();
  const StreamId id = s.id;
  H3Status err;
  switch (s.kind) {
    case StreamState::Kind::kUnknown:
      s.head.insert(s.head.end(), data.begin(), data.end());
      err = classify(s, fin);
      break;
    case StreamState::Kind::kControl:
      err = s.frames.feed(data, s);
      if (!err && fin) err = H3Error{h3::kClosedCriticalStream, "control stream closed"};
      break;
    case StreamState::Kind::kQpackEncoder:
      err = decoder_.on_encoder_stream(data);
      if (!err && fin) err = H3Error{h3::kClosedCriticalStream, "QPACK encoder stream closed"};
      break;
    case StreamState::Kind::kQpackDecoder:
      err = encoder_.on_decoder_stream(data);
      if (!err && fin) err = H3Error{h3::kClosedCriticalStream, "QPACK decoder stream closed"};
      break;
    case StreamState::Kind::kRequest:
      err = s.frames.feed(data, s);
      if (!err && fin && !closed_ && streams_.count(id)) err = on_request_fin(s);
      break;
    case StreamState::Kind::kWtPending:
      s.head.insert(s.head.end(), data.begin(), data.end());
      s.fin_seen = s.fin_seen || fin;
      if (s.head.size() > kMaxBufferedStreamBytes) {
        s.stream.stop_sending(h3::kWtBufferedStreamRejected);
        s.kind = StreamState::Kind::kIgnored;
        s.head.clear();
      }
      break;
    case StreamState::Kind::kIgnored:
      break;
  }
  if (closed_) return;
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  if (err) {
    if (is_stream_error(err->code)) {
      StreamState& st = *it->second;
      st.stream.stop_sending(err->code);
      st.stream.reset(err->code);
      st.kind = StreamState::Kind::kIgnored;
      // A broken CONNECT stream ends its session.
      if (auto sit = sessions_.find(st.wt_session); sit != sessions_.end())
        sit->second->shared_from_this()->terminate(CloseInfo{err->code, err->what, false, false});
    } else {
      fail(*err);
    }
    return;
  }
  if (it->second->handed_off) streams_.erase(it);
}

H3Status H3Connection::classify(StreamState& s, bool fin) {
  QuicReader r(s.head);
  auto type = r.varint();
  if (!type) {
    if (fin) s.kind = StreamState::Kind::kIgnored;
    return std::nullopt;
  }
  if (s.stream.bidirectional() && *type != frame::kWebTransportStream) {
    if (role_ == Role::kClient) return H3Error{h3::kStreamCreationError, "server-initiated bidirectional stream"};
    if (goaway_sent_ && s.id >= *goaway_sent_) {
      s.stream.stop_sending(h3::kRequestRejected);
      s.stream.reset(h3::kRequestRejected);
      s.kind = StreamState::Kind::kIgnored;
      s.head.clear();
      return std::nullopt;
    }
    next_request_id_ = std::max(next_request_id_, s.id + 4);
    s.kind = StreamState::Kind::kRequest;
    std::vector<std::uint8_t> head = std::move(s.head);
    s.head.clear();
    H3Status err = s.frames.feed(head, s);
    if (!err && fin && !closed_) err = on_request_fin(s);
    return err;
  }
  if (*type == frame::kWebTransportStream || *type == stream_type::kWebTransport) {
    auto session_id = r.varint();
    if (!session_id) {
      if (fin) s.kind = StreamState::Kind::kIgnored;
      return std::nullopt;
    }
    if (*session_id % 4 != 0) return H3Error{h3::kIdError, "WebTransport session id is not a request stream"};
    std::vector<std::uint8_t> rest(r.rest().begin(), r.rest().end());
    s.head = std::move(rest);
    s.fin_seen = fin;
    s.pending_session = *session_id;
    hand_off_webtransport(s, *session_id);
    return std::nullopt;
  }
  const std::span<const std::uint8_t> rest = r.rest();
  auto once = [&](bool& seen, StreamState::Kind kind, const char* what) -> H3Status {
    if (seen) return H3Error{h3::kStreamCreationError, what};
    seen = true;
    s.kind = kind;
    return std::nullopt;
  };
  H3Status err;
  switch (*type) {
    case stream_type::kControl:
      err = once(peer_control_seen_, StreamState::Kind::kControl, "second control stream");
      break;
    case stream_type::kQpackEncoder:
      err = once(peer_encoder_seen_, StreamState::Kind::kQpackEncoder, "second QPACK encoder stream");
      break;
    case stream_type::kQpackDecoder:
      err = once(peer_decoder_seen_, StreamState::Kind::kQpackDecoder, "second QPACK decoder stream");
      break;
    case stream_type::kPush:
      // We never send MAX_PUSH_ID, so no push is allowed (RFC 9114 §4.6).
      return H3Error{role_ == Role::kClient ? h3::kIdError : h3::kStreamCreationError, "push stream"};
    default:
      // Unknown and reserved stream types are ignored (RFC 9114 §6.2.3).
      s.kind = StreamState::Kind::kIgnored;
      s.stream.stop_sending(h3::kStreamCreationError);
      s.head.clear();
      return std::nullopt;
  }
  if (err) return err;
  std::vector<std::uint8_t> body(rest.begin(), rest.end());
  s.head.clear();
  if (fin) return H3Error{h3::kClosedCriticalStream, "critical stream closed"};
  if (body.empty()) return std::nullopt;
  switch (s.kind) {
    case StreamState::Kind::kControl: return s.frames.feed(body, s);
    case StreamState::Kind::kQpackEncoder: return decoder_.on_encoder_stream(body);
    case StreamState::Kind::kQpackDecoder: return encoder_.on_decoder_stream(body);
    default: return std::nullopt;
  }
}

void H3Connection::hand_off_webtransport(StreamState& s, std::uint64_t session_id) {
  auto it = sessions_.find(session_id);
  if (it != sessions_.end() && it->second->ready()) {
    std::vector<std::uint8_t> head = std::move(s.head);
    s.head.clear();
    s.handed_off = true;
    it->second->adopt(s.stream, head, s.fin_seen);
    return;
  }
  // A session we know to be over (every session id on a client is one of our own
  // requests; on a server, one below the highest request seen): refuse, do not buffer.
  if (it == sessions_.end() && (role_ == Role::kClient || session_id < next_request_id_)) {
    if (s.stream.bidirectional()) s.stream.reset(h3::kWtSessionGone);
    s.stream.stop_sending(h3::kWtSessionGone);
    s.kind = StreamState::Kind::kIgnored;
    s.head.clear();
    return;
  }
  const auto waiting = std::count_if(streams_.begin(), streams_.end(), [](const auto& e) {
    return e.second->kind == StreamState::Kind::kWtPending;
  });
  if (static_cast<std::size_t>(waiting) >= kMaxBufferedStreams) {
    if (s.stream.bidirectional() || s.stream.locally_opened()) s.stream.reset(h3::kWtBufferedStreamRejected);
    s.stream.stop_sending(h3::kWtBufferedStreamRejected);
    s.kind = StreamState::Kind::kIgnored;
    s.head.clear();
    return;
  }
  s.kind = StreamState::Kind::kWtPending;
}

void H3Connection::adopt_buffered_streams(WtSession& session) {
  std::vector<StreamId> ids;
  for (auto& [id, st] : streams_)
    if (st->kind == StreamState::Kind::kWtPending && st->pending_session == session.session_id()) ids.push_back(id);
  auto weak = session.weak_from_this();
  for (StreamId id : ids) {
    auto it = streams_.find(id);
    auto live = weak.lock();
    if (closed_ || it == streams_.end() || !live || live->terminated()) return;
    std::unique_ptr<StreamState> st = std::move(it->second);
    streams_.erase(it);
    live->adopt(st->stream, st->head, st->fin_seen);
  }
}

void H3Connection::on_stream_reset(StreamState& s, ErrorCode code) {
  if (closed_) return;
  auto keep = shared_from_this();
  switch (s.kind) {
    case StreamState::Kind::kControl:
    case StreamState::Kind::kQpackEncoder:
    case StreamState::Kind::kQpackDecoder:
      return fail(H3Error{h3::kClosedCriticalStream, "critical stream reset"});
    case StreamState::Kind::kRequest:
      if (s.wt_session != kNoSession) {
        auto it = sessions_.find(s.wt_session);
        if (it != sessions_.end()) it->second->terminate(CloseInfo{code, "CONNECT stream reset", true, false});
      }
      if (auto it = streams_.find(s.id); it != streams_.end() && it->second->fetch) {
        auto fetch = std::exchange(it->second->fetch, nullptr);
        fetch(FetchResult{});
      }
      return;
    default:
      s.kind = StreamState::Kind::kIgnored;
      return;
  }
}

void H3Connection::on_stream_closed(StreamState& s) {
  const StreamId id = s.id;
  if (!closed_) {
    auto keep = shared_from_this();
    if (s.wt_session != kNoSession) {
      auto it = sessions_.find(s.wt_session);
      if (it != sessions_.end()) it->second->terminate(CloseInfo{0, "CONNECT stream closed", true, false});
    }
    if (auto it = streams_.find(id); it != streams_.end() && it->second->fetch) {
      auto fetch = std::exchange(it->second->fetch, nullptr);
      fetch(FetchResult{});
    }
  }
  streams_.erase(id);  // destroys the StreamState this call came from; nothing may follow
}

// ---------------------------------------------------------------------- control stream

H3Status H3Connection::on_control_frame(StreamState&, std::uint64_t type, std::span<const std::uint8_t> payload) {
  if (!peer_settings_) {
    if (type != frame::kSettings) return H3Error{h3::kMissingSettings, "first control frame is not SETTINGS"};
    auto settings = decode_settings(payload);
    if (!settings)
      return H3Error{settings.error().code == Errc::kInvalidValue ? h3::kSettingsError : h3::kFrameError,
                     settings.error().what};
    peer_settings_ = std::move(*settings);
    flush_pending_connects();
    return std::nullopt;
  }
  switch (type) {
    case frame::kGoaway: {
      QuicReader r(payload);
      auto id = r.varint();
      if (!id || !r.empty()) return H3Error{h3::kFrameError, "malformed GOAWAY"};
      if (role_ == Role::kClient) {
        if (*id % 4 != 0) return H3Error{h3::kIdError, "GOAWAY names a non-request stream"};
        if (goaway_received_ && *id > *goaway_received_) return H3Error{h3::kIdError, "GOAWAY id increased"};
        goaway_received_ = *id;
        flush_pending_connects();  // fails what can no longer be sent
      }
      return std::nullopt;  // requests below the id finish normally
    }
    case frame::kMaxPushId:
    case frame::kCancelPush:
      return std::nullopt;
    default:
      return H3Error{h3::kFrameUnexpected, "frame not allowed on the control stream"};
  }
}

// --------------------------------------------------------------------- request streams

H3Status H3Connection::on_request_frame(StreamState& s, std::uint64_t type, std::span<const std::uint8_t> payload) {
  if (type != frame::kHeaders) return H3Error{h3::kFrameUnexpected, "frame not allowed on a request stream"};
  if (s.headers_done) {
    // Trailers, or headers after a CONNECT was answered: nothing Kinetic uses.
    if (s.wt_session != kNoSession) return H3Error{h3::kMessageError, "HEADERS on a WebTransport CONNECT stream"};
    return std::nullopt;
  }
  HeaderList headers;
  if (auto err = decoder_.decode(static_cast<std::int64_t>(s.id), payload, headers)) return err;
  flush_decoder_stream();
  if (role_ == Role::kServer) {
    s.headers_done = true;
    return handle_request(s, headers);
  }
  auto status = parse_status(headers);
  if (!status) return H3Error{h3::kMessageError, status.error().what};
  if (*status < 200) return std::nullopt;  // interim response
  s.headers_done = true;
  if (s.wt_session != kNoSession) {
    auto it = sessions_.find(s.wt_session);
    if (it == sessions_.end()) return std::nullopt;
    auto session = it->second->shared_from_this();
    if (*status >= 300) {
      s.stream.stop_sending(h3::kRequestCancelled);
      session->terminate(CloseInfo{static_cast<ErrorCode>(*status), "WebTransport CONNECT refused", true, false});
      return std::nullopt;
    }
    std::string protocol;
    if (const std::string* p = find_field(headers, "wt-protocol")) {
      auto parsed = parse_sf_string(*p);
      if (parsed) protocol = std::move(*parsed);
    }
    session->become_ready(std::move(protocol));
    if (!closed_) adopt_buffered_streams(*session);
    return std::nullopt;
  }
  s.result.status = *status;
  s.result.headers = std::move(headers);
  return std::nullopt;
}

H3Status H3Connection::on_request_data(StreamState& s, std::span<const std::uint8_t> chunk) {
  if (!s.headers_done) return H3Error{h3::kFrameUnexpected, "DATA before HEADERS"};
  if (s.wt_session != kNoSession) {
    auto it = sessions_.find(s.wt_session);
    if (it == sessions_.end()) return std::nullopt;
    auto session = it->second->shared_from_this();
    return session->on_connect_data(chunk);
  }
  if (s.fetch) {
    if (s.result.body.size() + chunk.size() > kMaxFetchBody) return H3Error{h3::kExcessiveLoad, "response too large"};
    s.result.body.insert(s.result.body.end(), chunk.begin(), chunk.end());
  }
  return std::nullopt;  // request bodies of GETs are ignored
}

H3Status H3Connection::on_request_fin(StreamState& s) {
  if (!s.frames.at_boundary()) return H3Error{h3::kFrameError, "stream ended inside a frame"};
  if (s.wt_session != kNoSession) {
    auto it = sessions_.find(s.wt_session);
    if (it != sessions_.end()) it->second->shared_from_this()->on_connect_fin();
    return std::nullopt;
  }
  if (role_ == Role::kServer) {
    if (!s.headers_done) return H3Error{h3::kRequestIncomplete, "request ended before its headers"};
    return std::nullopt;
  }
  if (s.fetch) {
    auto fetch = std::exchange(s.fetch, nullptr);
    FetchResult result = std::move(s.result);
    if (!s.headers_done) result.status = 0;
    fetch(std::move(result));
  }
  return std::nullopt;
}

H3Status H3Connection::handle_request(StreamState& s, const HeaderList& headers) {
  auto req = parse_request(headers);
  if (!req) return H3Error{h3::kMessageError, req.error().what};
  if (req->method == "CONNECT") {
    if (!req->is_webtransport() || !options_.on_session) {
      respond(s, 501, {}, {}, true);
      return std::nullopt;
    }
    if (req->scheme != "https" || req->authority.empty()) {
      respond(s, 400, {}, {}, true);
      return std::nullopt;
    }
    if (options_.accept && !options_.accept(*req)) {
      respond(s, 404, {}, {}, true);
      return std::nullopt;
    }
    if (sessions_.size() >= options_.max_sessions) {
      respond(s, 429, {}, {}, true);
      return std::nullopt;
    }
    std::vector<std::string> offered;
    if (const std::string* f = req->field("wt-available-protocols")) {
      auto list = parse_sf_string_list(*f);
      if (list) offered = std::move(*list);
    }
    const auto chosen = select_protocol(offered, options_.protocols);
    auto session = std::make_shared<WtSession>(shared_from_this(), req->path);
    session->bind(s.id);
    sessions_[s.id] = session.get();
    s.wt_session = s.id;
    HeaderList extra;
    if (chosen) extra.emplace_back("wt-protocol", format_sf_string(*chosen));
    // Browsers that negotiated draft-02 look for this answer.
    if (req->field("sec-webtransport-http3-draft02")) extra.emplace_back("sec-webtransport-http3-draft", "draft02");
    respond(s, 200, extra, {}, false);
    options_.on_session(session);
    session->become_ready(chosen.value_or(""));
    if (!closed_) adopt_buffered_streams(*session);
    return std::nullopt;
  }
  if (req->method != "GET" && req->method != "HEAD") {
    respond(s, 405, {}, {}, true);
    return std::nullopt;
  }
  std::optional<StaticResponse> found;
  if (options_.static_content) {
    const auto q = req->path.find('?');
    found = options_.static_content(std::string_view(req->path).substr(0, q));
  }
  if (!found) {
    respond(s, 404, {{"content-type", "text/plain"}}, SharedBytes::copy(std::string_view("not found\n")), true);
    return std::nullopt;
  }
  HeaderList extra{{"content-type", found->content_type}, {"content-length", std::to_string(found->body.size())}};
  respond(s, found->status, extra, req->method == "HEAD" ? SharedBytes{} : found->body, true);
  return std::nullopt;
}

void H3Connection::respond(StreamState& s, int status, const HeaderList& extra, SharedBytes body, bool fin) {
  HeaderList headers{{":status", std::to_string(status)}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  if (fin && !find_field(extra, "content-length")) headers.emplace_back("content-length", std::to_string(body.size()));
  send_headers(s.stream, headers, fin && body.empty());
  if (!body.empty()) {
    std::vector<std::uint8_t> header;
    put_frame_header(header, frame::kData, body.size());
    s.stream.write(header, false);
    s.stream.write(std::move(body), fin);
  }
  s.local_fin = fin;
}

void H3Connection::send_headers(Stream& stream, const HeaderList& headers, bool fin) {
  std::vector<std::uint8_t> block;
  if (auto err = encoder_.encode(static_cast<std::int64_t>(stream.id()), headers, block)) return fail(*err);
  std::vector<std::uint8_t> out;
  put_frame(out, frame::kHeaders, block);
  stream.write(out, fin);
}

void H3Connection::flush_decoder_stream() {
  auto bytes = decoder_.take_decoder_stream();
  if (!bytes.empty() && qpack_decoder_stream_) qpack_decoder_stream_->write(bytes, false);
}

// ------------------------------------------------------------------------ client side

SessionPtr H3Connection::connect(const ClientOptions& options) {
  auto session = std::make_shared<WtSession>(shared_from_this(), options.path);
  auto p = std::make_unique<PendingConnect>();
  p->session = session;
  p->options = options;
  pending_connects_.push_back(std::move(p));
  schedule_flush();
  return session;
}

void H3Connection::fetch(const std::string& authority, const std::string& path, FetchCallback done) {
  if (closed_) {
    done(FetchResult{});
    return;
  }
  auto p = std::make_unique<PendingConnect>();
  p->authority = authority;
  p->path = path;
  p->fetch = std::move(done);
  pending_connects_.push_back(std::move(p));
  schedule_flush();
}

void H3Connection::schedule_flush() {
  // Never synchronously: a session refused at once must still reach the handler that the
  // caller sets after connect() returns. Before attach(), attach() flushes.
  if (!quic_ || closed_) return;
  quic_->loop().post([weak = weak_from_this()] {
    if (auto self = weak.lock()) self->flush_pending_connects();
  });
}

void H3Connection::flush_pending_connects() {
  if (role_ != Role::kClient || closed_) return;
  if (goaway_received_) {
    std::vector<std::unique_ptr<PendingConnect>> refused = std::move(pending_connects_);
    pending_connects_.clear();
    for (auto& p : refused) {
      if (p->fetch) p->fetch(FetchResult{});
      else if (auto session = p->session.lock())
        session->terminate(CloseInfo{h3::kRequestRejected, "server sent GOAWAY", true, false});
    }
    return;
  }
  if (!peer_settings_ || !control_) return;
  while (!pending_connects_.empty() && !closed_) {
    PendingConnect& p = *pending_connects_.front();
    std::shared_ptr<WtSession> session;
    if (!p.fetch) {
      session = p.session.lock();
      if (!session || session->terminated()) {
        pending_connects_.erase(pending_connects_.begin());
        continue;
      }
      if (!peer_settings_->extended_connect() || !peer_settings_->webtransport()) {
        std::unique_ptr<PendingConnect> gone = std::move(pending_connects_.front());
        pending_connects_.erase(pending_connects_.begin());
        session->terminate(CloseInfo{h3::kConnectError, "server does not offer WebTransport", false, false});
        continue;
      }
    }
    Stream* stream = quic_->open_bidi();
    if (!stream) return;  // on_streams_available retries
    std::unique_ptr<PendingConnect> req = std::move(pending_connects_.front());
    pending_connects_.erase(pending_connects_.begin());
    auto st = std::make_unique<StreamState>(*this, *stream, max_field_section_size_ + 1024);
    st->kind = StreamState::Kind::kRequest;
    StreamState& s = *st;
    streams_[stream->id()] = std::move(st);
    HeaderList headers;
    if (req->fetch) {
      s.fetch = std::move(req->fetch);
      headers = {{":method", "GET"}, {":scheme", "https"}, {":authority", req->authority}, {":path", req->path}};
      send_headers(*stream, headers, true);
      s.local_fin = true;
      continue;
    }
    session->bind(stream->id());
    sessions_[stream->id()] = session.get();
    s.wt_session = stream->id();
    headers = {{":method", "CONNECT"},
               {":protocol", "webtransport"},
               {":scheme", "https"},
               {":authority", req->options.authority},
               {":path", req->options.path}};
    if (!req->options.protocols.empty())
      headers.emplace_back("wt-available-protocols", format_sf_string_list(req->options.protocols));
    send_headers(*stream, headers, false);
  }
}

// -------------------------------------------------------------- services for WtSession

void H3Connection::send_on_connect_stream(std::uint64_t session_id, const WtSession* session,
                                          std::vector<std::uint8_t> capsules, bool fin) {
  if (closed_) return;
  auto sit = sessions_.find(session_id);
  if (sit == sessions_.end() || sit->second != session) return;
  auto it = streams_.find(session_id);
  if (it == streams_.end() || it->second->local_fin) return;
  std::vector<std::uint8_t> out;
  if (!capsules.empty()) put_frame(out, frame::kData, capsules);
  it->second->local_fin = fin;
  if (out.empty()) {
    if (fin) it->second->stream.finish();
  } else {
    it->second->stream.write(out, fin);
  }
}

void H3Connection::forget_session(std::uint64_t session_id, const WtSession* session) {
  auto it = sessions_.find(session_id);
  if (it != sessions_.end() && it->second == session) sessions_.erase(it);
  maybe_close_idle();
}

void H3Connection::maybe_close_idle() {
  if (!close_when_idle_ || closed_ || !quic_ || !sessions_.empty() || !pending_connects_.empty()) return;
  // Three smoothed RTTs (at least 100 ms) for the CLOSE_WEBTRANSPORT_SESSION capsule to
  // be delivered before CONNECTION_CLOSE discards whatever is still unsent.
  const auto rtt = quic_->stats().smoothed_rtt;
  const Duration grace = std::max<Duration>(std::chrono::milliseconds(100), 3 * rtt);
  quic_->loop().schedule_after(grace, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (self && self->sessions_.empty() && self->pending_connects_.empty()) self->close(h3::kNoError, "");
  });
}

bool H3Connection::send_datagram(std::uint64_t session_id, std::span<const std::uint8_t> payload) {
  if (closed_) return false;
  std::vector<std::uint8_t> out;
  out.reserve(payload.size() + 8);
  put_quic_varint(out, session_id / 4);
  put_bytes(out, payload);
  return quic_->send_datagram(out);
}

std::size_t H3Connection::max_datagram_size(std::uint64_t session_id) const {
  if (!quic_) return 0;
  const std::size_t quic_max = quic_->max_datagram_size();
  const std::size_t prefix = quic_varint_size(session_id / 4);
  return quic_max > prefix ? quic_max - prefix : 0;
}

}  // namespace kinetic::transport::webtransport
