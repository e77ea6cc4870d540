#include "kinetic/webrtc/gateway.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <random>

#include "kinetic/webrtc/sdp_offer.hpp"
#include "kinetic/webrtc/namespace_path.hpp"

namespace kinetic::webrtc {

namespace {

HttpResponse text(unsigned status, std::string body) { return {status, "text/plain", std::move(body) + "\n", {}}; }

// Resource ids are unguessable (128 bits from the kernel's generator, not a seeded PRNG whose
// outputs give it away): the URL is what lets a client end its own session.
std::string new_resource_id() {
  std::random_device kernel;
  std::string id;
  char buf[9];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(kernel()));
    id += buf;
  }
  return id;
}

bool equal_constant_time(const std::string& a, const std::string& b) {
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

}  // namespace

// Asks the ingest for keyframes from the loop thread while the GLib thread may be ending it.
struct KeyframeSlot {
  std::mutex mu;
  std::weak_ptr<WhipIngest> ingest;
  void request() {
    std::shared_ptr<WhipIngest> i;
    {
      std::lock_guard lock(mu);
      i = ingest.lock();
    }
    if (i) i->request_keyframe();
  }
};

// The WHEP viewer's stream as the loop thread sees it: set once answered, cleared at the end.
struct StreamSlot {
  std::mutex mu;
  std::shared_ptr<WhepStream> stream;
  void push(const SubscribedFrame& f) {
    std::lock_guard lock(mu);
    if (stream) stream->push(f);
  }
};

// What a WHEP POST waits for: the catalog's verdict, from the loop thread.
struct CatalogWait {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::optional<BroadcastMedia> media;
  std::string why;
};

struct Gateway::Viewer {
  std::string id;
  std::string ns_text;
  std::shared_ptr<StreamSlot> slot = std::make_shared<StreamSlot>();
  std::shared_ptr<WhepStream> stream;  // GLib thread
};

struct Gateway::Entry {
  std::string id;
  std::string ns_text;
  moqt::TrackNamespace ns;
  std::shared_ptr<WhipIngest> ingest;  // GLib thread
  std::shared_ptr<LivePublisher> publisher;
  std::shared_ptr<std::atomic<std::int64_t>> last_frame_us = std::make_shared<std::atomic<std::int64_t>>(0);
  std::int64_t created_us = wall_us();
};

// The loop thread's side of one session: its broadcast and the PUBLISH_NAMESPACE that announces it.
// The relay's answer to PUBLISH_NAMESPACE, which a WHIP POST waits for: a refusal is the
// client's HTTP error rather than a session that ends right after its 201.
struct AnnounceVerdict {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool ok = false;
  std::uint64_t code = 0;
  std::string why;
  void set(bool accepted, std::uint64_t error_code, std::string reason) {
    std::lock_guard lock(mu);
    if (done) return;
    done = true;
    ok = accepted;
    code = error_code;
    why = std::move(reason);
    cv.notify_all();
  }
};

struct Gateway::Published final : moqt::RequestHandler {
  Gateway* gateway = nullptr;
  std::string id;
  std::string ns_text;
  std::shared_ptr<LivePublisher> publisher;
  std::shared_ptr<moqt::OutgoingRequest> announce;
  std::shared_ptr<AnnounceVerdict> verdict;

  void on_ok(moqt::OutgoingRequest&, const moqt::TrackInfo&) override {
    spdlog::info("whip: namespace {} announced", ns_text);
    verdict->set(true, 0, {});
  }
  void on_error(moqt::OutgoingRequest&, const moqt::RequestErrorInfo& e) override {
    spdlog::warn("whip: relay refused namespace {} ({}: {})", ns_text, e.code, e.reason);
    verdict->set(false, e.code, e.reason);
    auto* g = gateway;
    g->glib_->post([g, session_id = id, reason = "relay refused the namespace: " + e.reason] {
      g->end_session(session_id, reason);
    });
  }
  // The session calls back until the request is over, so a withdrawn one is kept until then.
  void on_closed(moqt::OutgoingRequest&) override {
    auto* g = gateway;
    g->loop_.post([g, self = this] { std::erase_if(g->retired_, [self](const auto& p) { return p.get() == self; }); });
  }
};

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

HttpResponse Gateway::post(const std::string& ns_text, const HttpRequest& r) {
  auto ns = namespace_from_path(ns_text);
  if (!ns) return text(400, "bad namespace in the URL (fields of A-Z a-z 0-9 . _ - joined by /)");
  if (r.content_type != "application/sdp") return text(415, "the offer must be Content-Type: application/sdp");
  auto offer = check_offer(r.body, OfferRole::kPublish, options_.ingest.ice.loopback_only());
  if (!offer) return text(400, "bad offer: " + offer.error().what);

  auto entry = std::make_shared<Entry>();
  entry->ns_text = ns_text;
  entry->ns = *ns;
  auto keyframes = std::make_shared<KeyframeSlot>();
  LivePublisherOptions popts;
  popts.audio = offer->opus.has_value();
  popts.audio_channels = offer->opus ? std::max(1u, offer->opus->channels) : 2u;
  popts.max_group = options_.max_group;
  entry->publisher = std::make_shared<LivePublisher>(entry->ns, popts, [keyframes] { keyframes->request(); });
  auto verdict = std::make_shared<AnnounceVerdict>();
  {
    std::lock_guard lock(mu_);
    if (id_by_namespace_.count(ns_text) != 0) return text(409, "namespace " + ns_text + " already has a publisher");
    if (by_id_.size() >= options_.max_sessions) return text(503, "too many sessions");
    entry->id = new_resource_id();
    by_id_[entry->id] = entry;
    id_by_namespace_[ns_text] = entry->id;
    // Posted under the lock, so it reaches the loop before any withdrawal of this namespace.
    loop_.post([this, id = entry->id, ns_text, pub = entry->publisher, verdict] {
      auto p = std::make_unique<Published>();
      p->gateway = this;
      p->id = id;
      p->ns_text = ns_text;
      p->publisher = pub;
      p->verdict = verdict;
      if (session_ && !session_->closed()) {
        p->announce = session_->publish_namespace(pub->track_namespace(), p.get());
      } else {
        verdict->set(false, 0, "no relay session");
      }
      published_[pub->track_namespace()] = std::move(p);
    });
  }
  {
    std::unique_lock lock(verdict->mu);
    if (!verdict->cv.wait_for(lock, options_.catalog_timeout, [&] { return verdict->done; })) {
      lock.unlock();
      end_session(entry->id, "the relay did not answer PUBLISH_NAMESPACE");
      return text(504, "the relay did not accept the namespace in time");
    }
    if (!verdict->ok) {
      const std::string why = verdict->why;
      // UNAUTHORIZED is 0x1 in every draft Kinetic speaks.
      const unsigned status = verdict->code == 0x1 ? 403 : 502;
      lock.unlock();
      end_session(entry->id, "relay refused the namespace: " + why);
      return text(status, "the relay refused namespace " + ns_text + ": " + why);
    }
  }
  auto last = entry->last_frame_us;
  auto pub = entry->publisher;
  auto& loop = loop_;
  auto ingest = WhipIngest::create(
      *offer, options_.ingest, *glib_,
      [&loop, pub, last](IngestFrame&& f) {
        last->store(wall_us());
        loop.post([pub, frame = std::move(f)]() mutable { pub->add(std::move(frame)); });
      },
      [this, id = entry->id](std::string reason) { end_session(id, reason); });
  if (!ingest) {
    end_session(entry->id, "no answer: " + ingest.error().what);
    const bool client_fault = ingest.error().client_fault;
    return text(client_fault ? 400 : 500, "cannot answer the offer: " + ingest.error().what);
  }
  entry->ingest = std::shared_ptr<WhipIngest>(std::move(*ingest));
  {
    std::lock_guard lock(keyframes->mu);
    keyframes->ingest = entry->ingest;
  }
  spdlog::info("whip: session {} publishes {} (video pt {}, {}; {} remote candidates dropped)", entry->id, ns_text,
               offer->h264.payload, offer->opus ? "Opus audio" : "no audio", offer->candidates_dropped);
  HttpResponse created{201, "application/sdp", entry->ingest->answer(), {}};
  created.headers.emplace_back("Location", "/whip/" + ns_text + "/" + entry->id);
  created.headers.emplace_back("ETag", "\"" + entry->id + "\"");
  return created;
}

HttpResponse Gateway::remove(const std::string& ns_text, const std::string& id) {
  {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end() || it->second->ns_text != ns_text) return text(404, "no such WHIP session");
  }
  end_session(id, "DELETE from the client");
  return text(200, "session ended");
}

void Gateway::end_session(const std::string& id, const std::string& reason) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return;
    entry = it->second;
    by_id_.erase(it);
    id_by_namespace_.erase(entry->ns_text);
    loop_.post([this, ns = entry->ns, reason] {
      auto it2 = published_.find(ns);
      if (it2 == published_.end()) return;
      it2->second->publisher->end(reason);
      if (it2->second->announce) it2->second->announce->cancel();
      const auto& s = it2->second->publisher->stats();
      spdlog::info("whip: namespace {} withdrawn: {} objects in {} groups, {} frames dropped, {} keyframe requests; "
                   "in the gateway {} (after the jitter buffer {})",
                   it2->second->ns_text, s.objects, s.groups, s.dropped, s.keyframe_requests,
                   latency_summary(s.gateway_us), latency_summary(s.after_jitter_us));
      retired_.push_back(std::move(it2->second));
      published_.erase(it2);
    });
  }
  const std::uint64_t frames = entry->ingest ? entry->ingest->frames() : 0;
  entry->ingest.reset();  // the pipeline stops here, on the GLib thread
  spdlog::info("whip: session {} for {} ended ({}) after {} frames", id, entry->ns_text, reason, frames);
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

HttpResponse Gateway::post_viewer(const std::string& ns_text, const HttpRequest& r) {
  auto ns = namespace_from_path(ns_text);
  if (!ns) return text(400, "bad namespace in the URL (fields of A-Z a-z 0-9 . _ - joined by /)");
  if (r.content_type != "application/sdp") return text(415, "the offer must be Content-Type: application/sdp");
  auto offer = check_offer(r.body, OfferRole::kPlay, options_.ingest.ice.loopback_only());
  if (!offer) return text(400, "bad offer: " + offer.error().what);
  auto viewer = std::make_shared<Viewer>();
  viewer->ns_text = ns_text;
  {
    std::lock_guard lock(mu_);
    if (viewers_.size() >= options_.max_viewers) return text(503, "too many viewers");
    viewer->id = new_resource_id();
    viewers_[viewer->id] = viewer;  // without a stream yet, so the idle check leaves it alone
  }
  // The catalog says what to answer with; it comes through the relay session on the loop.
  auto wait = std::make_shared<CatalogWait>();
  loop_.post([this, id = viewer->id, ns = *ns, slot = viewer->slot, wait] {
    BroadcastSubscriber::Callbacks cb;
    cb.on_catalog = [wait](std::optional<BroadcastMedia> media, std::string why) {
      std::lock_guard lock(wait->mu);
      wait->done = true;
      wait->media = std::move(media);
      wait->why = std::move(why);
      wait->cv.notify_all();
    };
    cb.on_frame = [slot](const SubscribedFrame& f) { slot->push(f); };
    cb.on_end = [this, id](std::string why) { glib_->post([this, id, why] { end_viewer(id, why); }); };
    auto sub = std::make_shared<BroadcastSubscriber>(session_, ns, std::move(cb));
    subscribers_[id] = sub;
    sub->start();
  });
  std::optional<BroadcastMedia> media;
  std::string why = "no catalog within " + std::to_string(options_.catalog_timeout.count()) + " ms";
  {
    std::unique_lock lock(wait->mu);
    if (wait->cv.wait_for(lock, options_.catalog_timeout, [&] { return wait->done; })) {
      media = wait->media;
      why = wait->why;
    }
  }
  if (!media) {
    end_viewer(viewer->id, why);
    return text(404, "no playable broadcast at " + ns_text + ": " + why);
  }
  auto stream = WhepStream::create(*offer, *media, EgressOptions{options_.ingest.ice, options_.ingest.answer_timeout_ms},
                                   *glib_, [this, id = viewer->id](std::string reason) { end_viewer(id, reason); });
  if (!stream) {
    end_viewer(viewer->id, "no answer: " + stream.error().what);
    return text(stream.error().client_fault ? 400 : 500, "cannot answer the offer: " + stream.error().what);
  }
  {
    std::lock_guard lock(mu_);
    if (viewers_.count(viewer->id) == 0) return text(404, "the broadcast ended");
    viewer->stream = std::shared_ptr<WhepStream>(std::move(*stream));
  }
  {
    std::lock_guard lock(viewer->slot->mu);
    viewer->slot->stream = viewer->stream;
  }
  loop_.post([this, id = viewer->id] {
    if (auto it = subscribers_.find(id); it != subscribers_.end()) it->second->start_media();
  });
  spdlog::info("whep: viewer {} watches {} (video {}, {})", viewer->id, ns_text, media->video_track,
               media->audio_track.empty() ? "no audio" : media->audio_track);
  HttpResponse created{201, "application/sdp", viewer->stream->answer(), {}};
  created.headers.emplace_back("Location", "/whep/" + ns_text + "/" + viewer->id);
  created.headers.emplace_back("ETag", "\"" + viewer->id + "\"");
  return created;
}

HttpResponse Gateway::remove_viewer(const std::string& ns_text, const std::string& id) {
  {
    std::lock_guard lock(mu_);
    auto it = viewers_.find(id);
    if (it == viewers_.end() || it->second->ns_text != ns_text) return text(404, "no such WHEP session");
  }
  end_viewer(id, "DELETE from the client");
  return text(200, "session ended");
}

void Gateway::end_viewer(const std::string& id, const std::string& reason) {
  std::shared_ptr<Viewer> viewer;
  {
    std::lock_guard lock(mu_);
    auto it = viewers_.find(id);
    if (it == viewers_.end()) return;
    viewer = it->second;
    viewers_.erase(it);
  }
  loop_.post([this, id] {
    if (auto it = subscribers_.find(id); it != subscribers_.end()) {
      it->second->stop();
      subscribers_.erase(it);
    }
  });
  {
    std::lock_guard lock(viewer->slot->mu);
    viewer->slot->stream.reset();
  }
  const std::uint64_t frames = viewer->stream ? viewer->stream->frames() : 0;
  viewer->stream.reset();  // the pipeline stops here, on the GLib thread
  spdlog::info("whep: viewer {} of {} ended ({}) after {} frames", id, viewer->ns_text, reason, frames);
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
