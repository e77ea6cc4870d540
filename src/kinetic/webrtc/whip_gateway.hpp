// `kinetic whip`'s engine: WHIP (RFC 9725) over HTTP in front of a MoQT publisher session.
//   POST   /whip/<namespace>        SDP offer in, 201 + SDP answer + Location of the session
//   DELETE /whip/<namespace>/<id>   ends that session
// Each session depacketizes its client's H.264 and Opus (WhipIngest) and publishes them under
// <namespace> ('/' separates tuple fields) on the relay session: PUBLISH_NAMESPACE, then the
// MSF catalog and LOC tracks (LivePublisher).
//
// Threads: HTTP and session lifetimes live on the GLib thread; everything MoQT on the event
// loop's thread; frames cross from GStreamer's threads to the loop through EventLoop::post.
// A session ends by DELETE, by its client's ICE failing, by no media for `idle_timeout`
// (a client that vanished without DELETE), or by the relay refusing its namespace; in every
// case its pipeline is torn down, its subscriptions get PUBLISH_DONE and the namespace is
// withdrawn, so the namespace can be published again.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/webrtc/gst_support.hpp"
#include "kinetic/webrtc/http_server.hpp"
#include "kinetic/webrtc/live_publisher.hpp"
#include "kinetic/webrtc/whip_ingest.hpp"

namespace kinetic::webrtc {

struct WhipGatewayOptions {
  std::string http_host = "127.0.0.1";
  std::uint16_t http_port = 8080;
  std::string token;                  // Bearer token clients must present; empty: none asked
  IngestOptions ingest;
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds max_group{2000};
  std::size_t max_sessions = 16;
};

class WhipGateway final : public moqt::SessionHandler {
 public:
  // Starts the GLib thread and the HTTP server; MoQT waits for attach().
  static Outcome<std::unique_ptr<WhipGateway>> start(transport::EpollLoop& loop, WhipGatewayOptions options);
  ~WhipGateway() override;

  // The relay session (made with this gateway as its handler); loop thread.
  void attach(std::shared_ptr<moqt::Session> session);
  [[nodiscard]] std::uint16_t http_port() const noexcept { return http_->port(); }
  // Live sessions (any thread).
  [[nodiscard]] std::size_t sessions() const;

  // moqt::SessionHandler (loop thread)
  void on_subscribe(moqt::Session& session, std::shared_ptr<moqt::ServedSubscription> sub) override;
  void on_closed(moqt::Session& session, std::uint64_t code, std::string_view reason) override;

  // The HTTP side (GLib thread); public for the tests of its answers.
  HttpResponse handle(const HttpRequest& request);

 private:
  struct Entry;
  struct Published;
  WhipGateway(transport::EpollLoop& loop, WhipGatewayOptions options);
  HttpResponse post(const std::string& ns_text, const HttpRequest& request);
  HttpResponse remove(const std::string& ns_text, const std::string& id);
  // GLib thread: tears the session down and withdraws its namespace.
  void end_session(const std::string& id, const std::string& reason);
  void check_idle();
  bool authorized(const HttpRequest& request) const;

  transport::EpollLoop& loop_;
  WhipGatewayOptions options_;
  std::unique_ptr<GlibThread> glib_;
  std::unique_ptr<HttpServer> http_;
  std::shared_ptr<moqt::Session> session_;  // loop thread
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> by_id_;        // guarded by mu_
  std::map<std::string, std::string> id_by_namespace_;         // guarded by mu_
  std::map<moqt::TrackNamespace, std::unique_ptr<Published>> published_;  // loop thread
  std::vector<std::unique_ptr<Published>> retired_;  // loop thread: withdrawn, awaiting the request's end
};

}  // namespace kinetic::webrtc
