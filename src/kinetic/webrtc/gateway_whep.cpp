#include "kinetic/webrtc/gateway.hpp"

#include <spdlog/spdlog.h>

#include "kinetic/webrtc/gateway_parts.hpp"
#include "kinetic/webrtc/namespace_path.hpp"
#include "kinetic/webrtc/sdp_offer.hpp"

namespace kinetic::webrtc {

using gateway_detail::new_resource_id;
using gateway_detail::text;

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
  post_to_loop([this, id = viewer->id, ns = *ns, slot = viewer->slot, wait] {
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
  // A viewer's PLI/FIR becomes a NEW_GROUP_REQUEST: through the relay it reaches the original
  // publisher (a WHIP sender asked for a keyframe in turn, when the broadcast is one of ours).
  auto keyframe = [this, id = viewer->id] {
    post_to_loop([this, id] {
      if (auto it = subscribers_.find(id); it != subscribers_.end()) it->second->request_keyframe();
    });
  };
  auto stream = WhepStream::create(
      *offer, *media, EgressOptions{options_.ingest.ice, options_.ingest.answer_timeout_ms, keyframe}, *glib_,
      [this, id = viewer->id](std::string reason) { end_viewer(id, reason); });
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
  post_to_loop([this, id = viewer->id] {
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
  post_to_loop([this, id] {
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
  const std::uint64_t keyframes = viewer->stream ? viewer->stream->keyframe_requests() : 0;
  viewer->stream.reset();  // the pipeline stops here, on the GLib thread
  spdlog::info("whep: viewer {} of {} ended ({}) after {} frames, {} keyframe requests", id, viewer->ns_text,
               reason, frames, keyframes);
}

}  // namespace kinetic::webrtc
