// What the gateway's three files (gateway.cpp: routing, idle checks, the relay session;
// gateway_whip.cpp: WHIP sessions; gateway_whep.cpp: WHEP viewers) share: the state of one
// session as each thread sees it, and the hand-offs between those threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "kinetic/webrtc/gateway.hpp"

namespace kinetic::webrtc {

namespace gateway_detail {

inline HttpResponse text(unsigned status, std::string body) { return {status, "text/plain", std::move(body) + "\n", {}}; }

// Resource ids are unguessable (128 bits from the kernel's generator, not a seeded PRNG whose
// outputs give it away): the URL is what lets a client end its own session.
std::string new_resource_id();

}  // namespace gateway_detail

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

// The loop thread's side of one WHIP session: its broadcast and the PUBLISH_NAMESPACE that announces it.
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
    g->post_to_loop(
        [g, self = this] { std::erase_if(g->retired_, [self](const auto& p) { return p.get() == self; }); });
  }
};

}  // namespace kinetic::webrtc
