#include "kinetic/webrtc/gateway.hpp"

#include <spdlog/spdlog.h>

#include "kinetic/webrtc/gateway_parts.hpp"
#include "kinetic/webrtc/namespace_path.hpp"
#include "kinetic/webrtc/sdp_offer.hpp"

namespace kinetic::webrtc {

using gateway_detail::new_resource_id;
using gateway_detail::text;

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
  popts.min_group = options_.min_group;
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
    post_to_loop([this, id = entry->id, ns_text, pub = entry->publisher, verdict] {
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
  // The idle clock starts with the answer: the relay's verdict and ICE gathering took part of
  // the timeout already, and the client cannot send before it has the answer.
  entry->created_us = wall_us();
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
    post_to_loop([this, ns = entry->ns, reason] {
      auto it2 = published_.find(ns);
      if (it2 == published_.end()) return;
      it2->second->publisher->end(reason);
      if (it2->second->announce) it2->second->announce->cancel();
      const auto& s = it2->second->publisher->stats();
      spdlog::info(
          "whip: namespace {} withdrawn: {} objects in {} groups, {} frames dropped, "
          "{} keyframe requests ({} new-group requests from subscribers); "
          "in the gateway {} (after the jitter buffer {})",
          it2->second->ns_text, s.objects, s.groups, s.dropped, s.keyframe_requests, s.new_group_requests,
          latency_summary(s.gateway_us), latency_summary(s.after_jitter_us));
      retired_.push_back(std::move(it2->second));
      published_.erase(it2);
    });
  }
  const std::uint64_t frames = entry->ingest ? entry->ingest->frames() : 0;
  entry->ingest.reset();  // the pipeline stops here, on the GLib thread
  spdlog::info("whip: session {} for {} ended ({}) after {} frames", id, entry->ns_text, reason, frames);
}

}  // namespace kinetic::webrtc
