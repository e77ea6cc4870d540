// `kinetic whip`'s engine: WHIP (RFC 9725) and WHEP over HTTP in front of one MoQT session to
// a relay.
//   POST   /whip/<namespace>        SDP offer in, 201 + SDP answer + Location of the session
//   POST   /whep/<namespace>        the same for a viewer
//   DELETE <Location>               ends that session
// A WHIP session depacketizes its client's H.264 and Opus (WhipIngest) and publishes them under
// <namespace> ('/' separates tuple fields) on the relay session: PUBLISH_NAMESPACE, then the
// MSF catalog and LOC tracks (LivePublisher). A WHEP session subscribes to <namespace>'s
// catalog and tracks (BroadcastSubscriber) and packetizes them for its viewer (WhepStream); it
// is answered 404 when no broadcast is there.
//
// Code: gateway.cpp routes and watches for idle sessions, gateway_whip.cpp and gateway_whep.cpp
// hold the two directions, gateway_parts.hpp what they share.
// Threads: HTTP and session lifetimes live on the GLib thread; everything MoQT on the event
// loop's thread; frames cross from GStreamer's threads to the loop through EventLoop::post.
// A session ends by DELETE, by its client's ICE failing, by no media for `idle_timeout`
// (a client that vanished without DELETE), or by the relay refusing its namespace; in every
// case its pipeline is torn down, its subscriptions get PUBLISH_DONE and the namespace is
// withdrawn, so the namespace can be published again. A WHEP session ends by DELETE, ICE
// failure, the viewer's RTCP falling silent for `idle_timeout`, or the broadcast ending.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/webrtc/broadcast_subscriber.hpp"
#include "kinetic/webrtc/gst_support.hpp"
#include "kinetic/webrtc/http_server.hpp"
#include "kinetic/webrtc/live_publisher.hpp"
#include "kinetic/webrtc/whep_stream.hpp"
#include "kinetic/webrtc/whip_ingest.hpp"

namespace kinetic::webrtc {

struct GatewayOptions {
  std::string http_host = "127.0.0.1";
  std::uint16_t http_port = 8080;
  std::string token;                  // Bearer token clients must present; empty: none asked
  IngestOptions ingest;
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds max_group{2000};
  std::chrono::milliseconds min_group{500};  // a subscriber's NEW_GROUP_REQUEST waits this long at most
  std::size_t max_sessions = 16;      // WHIP sessions
  std::size_t max_viewers = 64;       // WHEP sessions
  // A WHIP POST waits this long for the relay to accept the namespace, a WHEP POST for the catalog.
  std::chrono::milliseconds catalog_timeout{3000};
};

class Gateway final : public moqt::SessionHandler {
 public:
  // Starts the GLib thread and the HTTP server; MoQT waits for attach().
  static Outcome<std::unique_ptr<Gateway>> start(transport::EpollLoop& loop, GatewayOptions options);
  ~Gateway() override;

  // The relay session (made with this gateway as its handler); loop thread.
  void attach(std::shared_ptr<moqt::Session> session);
  [[nodiscard]] std::uint16_t http_port() const noexcept { return http_->port(); }
  // Live sessions (any thread).
  [[nodiscard]] std::size_t sessions() const;
  [[nodiscard]] std::size_t viewers() const;

  // moqt::SessionHandler (loop thread)
  void on_subscribe(moqt::Session& session, std::shared_ptr<moqt::ServedSubscription> sub) override;
  void on_closed(moqt::Session& session, std::uint64_t code, std::string_view reason) override;

  // The HTTP side (GLib thread); public for the tests of its answers.
  HttpResponse handle(const HttpRequest& request);

 private:
  struct Entry;
  struct Published;
  struct Viewer;
  HttpResponse post_viewer(const std::string& ns_text, const HttpRequest& request);
  HttpResponse remove_viewer(const std::string& ns_text, const std::string& id);
  void end_viewer(const std::string& id, const std::string& reason);
  Gateway(transport::EpollLoop& loop, GatewayOptions options);
  HttpResponse post(const std::string& ns_text, const HttpRequest& request);
  HttpResponse remove(const std::string& ns_text, const std::string& id);
  // GLib thread: tears the session down and withdraws its namespace.
  void end_session(const std::string& id, const std::string& reason);
  void check_idle();
  bool authorized(const HttpRequest& request) const;
  // Runs `fn` on the loop's thread, unless the gateway is gone by then: its owner may destroy
  // it in a round whose later tasks include what it posted.
  void post_to_loop(std::function<void()> fn);

  transport::EpollLoop& loop_;
  GatewayOptions options_;
  std::unique_ptr<GlibThread> glib_;
  std::unique_ptr<HttpServer> http_;
  std::shared_ptr<moqt::Session> session_;  // loop thread
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> by_id_;        // guarded by mu_
  std::map<std::string, std::string> id_by_namespace_;         // guarded by mu_
  std::map<std::string, std::shared_ptr<Viewer>> viewers_;     // guarded by mu_
  std::map<moqt::TrackNamespace, std::unique_ptr<Published>> published_;  // loop thread
  std::vector<std::unique_ptr<Published>> retired_;  // loop thread: withdrawn, awaiting the request's end
  std::map<std::string, std::shared_ptr<BroadcastSubscriber>> subscribers_;  // loop thread, by viewer id
  std::shared_ptr<char> life_ = std::make_shared<char>();  // post_to_loop's tasks hold it weakly
};

}  // namespace kinetic::webrtc
