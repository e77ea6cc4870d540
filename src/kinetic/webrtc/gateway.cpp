#include "kinetic/webrtc/gateway.hpp"

#include <spdlog/spdlog.h>

#include <random>

#include "kinetic/webrtc/gateway_parts.hpp"

namespace kinetic::webrtc {

using gateway_detail::text;

namespace {

bool equal_constant_time(const std::string& a, const std::string& b) {
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

}  // namespace

std::string gateway_detail::new_resource_id() {
  std::random_device kernel;
  std::string id;
  char buf[9];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(kernel()));
    id += buf;
  }
  return id;
}

Gateway::Gateway(transport::EpollLoop& loop, GatewayOptions options)
    : loop_(loop), options_(std::move(options)) {}

Outcome<std::unique_ptr<Gateway>> Gateway::start(transport::EpollLoop& loop, GatewayOptions options) {
  if (auto ready = init_gstreamer(); !ready) return ready.error();
  std::unique_ptr<Gateway> self(new Gateway(loop, std::move(options)));
  self->glib_ = std::make_unique<GlibThread>();
  auto* raw = self.get();
  auto http = HttpServer::listen(*self->glib_, self->options_.http_host, self->options_.http_port,
                                 [raw](const HttpRequest& r) { return raw->handle(r); });
  if (!http) return http.error();
  self->http_ = std::move(*http);
  self->glib_->every(250, [raw] { raw->check_idle(); });
  return Outcome<std::unique_ptr<Gateway>>(std::move(self));
}

Gateway::~Gateway() {
  http_.reset();
  if (glib_) {
    glib_->run_sync([this] {
      std::vector<std::string> ids;
      {
        std::lock_guard lock(mu_);
        for (const auto& [id, e] : by_id_) ids.push_back(id);
      for (const auto& [id, v] : viewers_) ids.push_back(id);
      }
      for (const auto& id : ids) {
        end_session(id, "gateway stopping");
        end_viewer(id, "gateway stopping");
      }
    });
    glib_.reset();
  }
  life_.reset();
}

void Gateway::post_to_loop(std::function<void()> fn) {
  loop_.post([life = std::weak_ptr<char>(life_), fn = std::move(fn)] {
    if (!life.expired()) fn();
  });
}

void Gateway::attach(std::shared_ptr<moqt::Session> session) { session_ = std::move(session); }

std::size_t Gateway::sessions() const {
  std::lock_guard lock(mu_);
  return by_id_.size();
}

std::size_t Gateway::viewers() const {
  std::lock_guard lock(mu_);
  return viewers_.size();
}

bool Gateway::authorized(const HttpRequest& request) const {
  if (options_.token.empty()) return true;
  return equal_constant_time(request.authorization, "Bearer " + options_.token);
}

HttpResponse Gateway::handle(const HttpRequest& r) {
  if (r.method == "OPTIONS") {
    HttpResponse ok{204, "text/plain", "", {{"Accept-Post", "application/sdp"}}};
    return ok;
  }
  const bool whip = r.path.rfind("/whip/", 0) == 0;
  const bool whep = r.path.rfind("/whep/", 0) == 0;
  if (!whip && !whep) return text(404, "no such endpoint (POST /whip/<namespace> or /whep/<namespace>)");
  const std::string rest = r.path.substr(6);
  if (!authorized(r)) {
    HttpResponse denied = text(401, "missing or wrong Bearer token");
    denied.headers.emplace_back("WWW-Authenticate", "Bearer");
    return denied;
  }
  if (r.method == "POST") return whip ? post(rest, r) : post_viewer(rest, r);
  if (r.method == "DELETE") {
    const auto slash = rest.rfind('/');
    if (slash == std::string::npos) return text(404, "DELETE needs the session URL from Location");
    return whip ? remove(rest.substr(0, slash), rest.substr(slash + 1))
                : remove_viewer(rest.substr(0, slash), rest.substr(slash + 1));
  }
  // Trickle ICE and ICE restarts are not taken: the answer already holds every candidate.
  HttpResponse refused = text(405, "method not allowed");
  refused.headers.emplace_back("Allow", "POST, DELETE, OPTIONS");
  return refused;
}

void Gateway::check_idle() {
  const std::int64_t now = wall_us();
  const std::int64_t limit = std::chrono::duration_cast<std::chrono::microseconds>(options_.idle_timeout).count();
  std::vector<std::string> idle;
  std::vector<std::string> silent;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, e] : by_id_) {
      const std::int64_t last = std::max(e->last_frame_us->load(), e->created_us);
      if (e->ingest && now - last > limit) idle.push_back(id);
    }
    for (const auto& [id, v] : viewers_) {
      if (v->stream && now - v->stream->last_heard_us() > limit) silent.push_back(id);
    }
  }
  const std::string span = std::to_string(options_.idle_timeout.count()) + " ms";
  for (const auto& id : idle) end_session(id, "no media for " + span);
  for (const auto& id : silent) end_viewer(id, "no RTCP from the viewer for " + span);
}

void Gateway::on_subscribe(moqt::Session& session, std::shared_ptr<moqt::ServedSubscription> sub) {
  auto it = published_.find(sub->track().track_namespace);
  if (it != published_.end() && it->second->publisher->on_subscribe(sub)) return;
  moqt::SessionHandler::on_subscribe(session, sub);
}

void Gateway::on_closed(moqt::Session&, std::uint64_t code, std::string_view reason) {
  spdlog::error("whip: relay session closed ({}: {})", code, reason);
  loop_.stop();
}

}  // namespace kinetic::webrtc
