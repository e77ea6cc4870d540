#include "kinetic/webrtc/broadcast_subscriber.hpp"

#include <gst/codecparsers/gsth264parser.h>
#include <spdlog/spdlog.h>

#include "kinetic/media/catalog.hpp"
#include "kinetic/media/loc_packager.hpp"

namespace kinetic::webrtc {

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// Whether an avcC record parses whole with at least one SPS and one PPS, none of them empty: the
// catalog comes from whoever publishes, and rtph264pay (GStreamer 1.22) crashes on an empty
// parameter set.
bool whole_avcc(const std::string& a) {
  const auto none_empty = [](GArray* sets) {
    if (sets->len == 0) return false;
    for (guint i = 0; i < sets->len; ++i) {
      if (g_array_index(sets, GstH264NalUnit, i).size == 0) return false;
    }
    return true;
  };
  GstH264NalParser* parser = gst_h264_nal_parser_new();
  GstH264DecoderConfigRecord* config = nullptr;
  const bool parsed =
      gst_h264_parser_parse_decoder_config_record(parser, reinterpret_cast<const guint8*>(a.data()), a.size(),
                                                  &config) == GST_H264_PARSER_OK;
  const bool ok = parsed && none_empty(config->sps) && none_empty(config->pps);
  if (config != nullptr) gst_h264_decoder_config_record_free(config);
  gst_h264_nal_parser_free(parser);
  return ok;
}

moqt::SubscribeOptions from_newest_group(std::uint8_t priority) {
  moqt::SubscribeOptions so;
  so.subscriber_priority = priority;
  so.filter = moqt::SubscribeFilter::from({0, 0});
  return so;
}

}  // namespace

BroadcastSubscriber::BroadcastSubscriber(std::shared_ptr<moqt::Session> session, moqt::TrackNamespace ns,
                                         Callbacks callbacks)
    : session_(std::move(session)), ns_(std::move(ns)), callbacks_(std::move(callbacks)) {}

BroadcastSubscriber::~BroadcastSubscriber() { stop(); }

void BroadcastSubscriber::start() {
  if (!session_ || session_->closed()) {
    answer_catalog(std::nullopt, "no relay session");
    return;
  }
  catalog_sub_ = session_->subscribe({ns_, std::string(media::kCatalogTrackName)}, from_newest_group(0), this);
}

void BroadcastSubscriber::start_media() {
  if (stopped_ || !media_ || session_->closed()) return;
  // Audio before video when the path is short: a gap in sound is noticed sooner.
  // A new viewer asks for a fresh group, as an SFU asks the publisher for a keyframe: the cached
  // group starts it at once, the fresh one soon puts it at the live edge.
  auto video = from_newest_group(2);
  video.new_group_request = 0;
  video_sub_ = session_->subscribe({ns_, media_->video_track}, video, this);
  if (!media_->audio_track.empty()) audio_sub_ = session_->subscribe({ns_, media_->audio_track}, from_newest_group(1), this);
}

bool BroadcastSubscriber::request_keyframe() {
  if (stopped_ || !video_sub_ || video_sub_->state() != moqt::RequestState::kActive) return false;
  const auto now = session_->loop().now();
  if (last_keyframe_request_ && now - *last_keyframe_request_ < kKeyframeRequestInterval) return false;
  const bool asked = video_sub_->request_new_group();
  if (asked) last_keyframe_request_ = now;
  spdlog::debug("whep: keyframe wanted by a viewer: {}",
                asked ? "new group requested" : "the track has no dynamic groups");
  return asked;
}

void BroadcastSubscriber::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto* s : {&catalog_sub_, &video_sub_, &audio_sub_}) {
    if (*s) {
      (*s)->set_handler(nullptr);
      if ((*s)->state() == moqt::RequestState::kActive || (*s)->state() == moqt::RequestState::kPending) {
        (*s)->unsubscribe();
      }
      s->reset();
    }
  }
}

void BroadcastSubscriber::answer_catalog(std::optional<BroadcastMedia> media, std::string why) {
  if (catalog_answered_) return;
  catalog_answered_ = true;
  media_ = media;
  callbacks_.on_catalog(std::move(media), std::move(why));
}

void BroadcastSubscriber::catalog_arrived(const moqt::Object& object) {
  if (catalog_answered_) return;  // Kinetic publishers send whole catalogs; the first one decides
  auto catalog = media::parse_catalog(
      std::string_view(reinterpret_cast<const char*>(object.payload.data()), object.payload.size()));
  if (!catalog) {
    answer_catalog(std::nullopt, std::string("bad catalog: ") + catalog.error().what);
    return;
  }
  BroadcastMedia m;
  for (const auto& t : catalog->tracks) {
    if (t.packaging != "loc" || !t.codec || (t.track_namespace && *t.track_namespace != "")) continue;
    if (m.video_track.empty() && (starts_with(*t.codec, "avc1.") || starts_with(*t.codec, "avc3."))) {
      auto init = catalog->init_bytes(t);
      if (!init || init->size() < 7) continue;  // avc3 with in-band parameters only: not carried here
      if (!whole_avcc(*init)) continue;
      m.video_track = t.name;
      m.avcc = *init;
    } else if (m.audio_track.empty() && *t.codec == "opus") {
      m.audio_track = t.name;
      if (t.channel_config) m.audio_channels = std::max(1, std::atoi(t.channel_config->c_str()));
    }
  }
  if (m.video_track.empty()) {
    answer_catalog(std::nullopt, "the broadcast has no H.264 track with its decoder configuration");
    return;
  }
  answer_catalog(std::move(m), {});
}

void BroadcastSubscriber::on_error(moqt::Subscription& sub, const moqt::RequestErrorInfo& error) {
  if (stopped_) return;
  if (&sub == catalog_sub_.get()) {
    answer_catalog(std::nullopt, "no broadcast: " + error.reason);
    return;
  }
  callbacks_.on_end("track refused: " + error.reason);
}

void BroadcastSubscriber::on_object(moqt::Subscription& sub, const moqt::Object& object) {
  if (stopped_ || object.status != moqt::ObjectStatus::kNormal || object.payload.empty()) return;
  if (&sub == catalog_sub_.get()) {
    catalog_arrived(object);
    return;
  }
  const bool video = &sub == video_sub_.get();
  if (!video && &sub != audio_sub_.get()) return;
  const auto kind = video ? media::StreamKind::kVideo : media::StreamKind::kAudio;
  auto frame = media::unpackage_loc(kind, object.payload, object.properties);
  if (!frame) return;  // not LOC: nothing a WebRTC payloader could send
  if (video) {
    // Until a keyframe has gone out nothing after it could decode.
    if (!video_started_ && !frame->keyframe) return;
    video_started_ = true;
  }
  callbacks_.on_frame({kind, frame->payload, frame->keyframe});
}

void BroadcastSubscriber::on_done(moqt::Subscription& sub, std::uint64_t, std::string_view reason) {
  if (stopped_) return;
  if (&sub == catalog_sub_.get()) {
    if (!catalog_answered_) answer_catalog(std::nullopt, "the catalog ended: " + std::string(reason));
    return;
  }
  callbacks_.on_end("the broadcast ended: " + std::string(reason));
}

}  // namespace kinetic::webrtc
