#include "kinetic/webrtc/live_publisher.hpp"

extern "C" {
#include <libavcodec/codec_id.h>
}

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "kinetic/media/catalog.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::webrtc {

namespace {

constexpr int kVideoIndex = 0;
constexpr int kAudioIndex = 1;
constexpr std::uint32_t kVideoTimescale = 90'000;  // RTP's H.264 clock
constexpr std::uint32_t kAudioTimescale = 48'000;  // Opus

std::int64_t ticks(std::uint64_t ns, std::uint32_t timescale) {
  // Split so the product never overflows 64 bits, however long the session runs.
  return static_cast<std::int64_t>((ns / 1'000'000'000u) * timescale + (ns % 1'000'000'000u) * timescale / 1'000'000'000u);
}

moqt::RequestErrorInfo does_not_exist(std::string reason) {
  moqt::RequestErrorInfo e;
  e.code = static_cast<std::uint64_t>(wire::RequestErrorCode::kDoesNotExist);
  e.reason = std::move(reason);
  return e;
}

}  // namespace

std::string opus_head(unsigned channels) {
  std::string h = "OpusHead";
  h.push_back(1);                                   // version
  h.push_back(static_cast<char>(channels));
  h.push_back(static_cast<char>(312 & 0xff));       // pre-skip, little endian
  h.push_back(static_cast<char>(312 >> 8));
  for (int shift = 0; shift < 32; shift += 8) h.push_back(static_cast<char>((48000u >> shift) & 0xff));
  h.push_back(0);                                   // output gain
  h.push_back(0);
  h.push_back(0);                                   // channel mapping family 0
  return h;
}

std::string latency_summary(std::vector<std::int64_t> samples_us) {
  if (samples_us.empty()) return "no samples";
  std::sort(samples_us.begin(), samples_us.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(samples_us.size() - 1) + 0.5);
    return static_cast<double>(samples_us[i]) / 1000.0;
  };
  char buf[128];
  std::snprintf(buf, sizeof buf, "p50 %.2f p99 %.2f max %.2f ms over %zu frames", at(0.5), at(0.99), at(1.0),
                samples_us.size());
  return buf;
}

LivePublisher::LivePublisher(moqt::TrackNamespace ns, LivePublisherOptions options,
                             std::function<void()> want_keyframe)
    : ns_(std::move(ns)), options_(options), want_keyframe_(std::move(want_keyframe)) {
  // Audio groups follow video's, so a request on any media track is one for a keyframe.
  server_.set_new_group_handler([this](std::size_t) { new_group_requested(); });
}

void LivePublisher::new_group_requested() {
  ++stats_.new_group_requests;
  new_group_wanted_ = true;
  request_wanted_group(std::chrono::steady_clock::now());
}

void LivePublisher::request_wanted_group(std::chrono::steady_clock::time_point now) {
  if (!new_group_wanted_ || ended_ || !broadcast_ || now - group_started_ < options_.min_group) return;
  // A keyframe asked for moments ago answers this request too (one subscriber asks once per
  // track); if it never comes, the request stands and is repeated.
  if (now - last_keyframe_request_ < options_.min_group) return;
  new_group_wanted_ = false;
  spdlog::info("whip: a subscriber asked for a new group: keyframe requested");
  request_keyframe(now);
}

void LivePublisher::request_keyframe(std::chrono::steady_clock::time_point now) {
  ++stats_.keyframe_requests;
  last_keyframe_request_ = now;
  want_keyframe_();
}

bool LivePublisher::start(const IngestFrame& keyframe) {
  std::vector<media::StreamInfo> streams;
  media::StreamInfo v;
  v.index = kVideoIndex;
  v.kind = media::StreamKind::kVideo;
  v.codec_name = "h264";
  v.codec_id = AV_CODEC_ID_H264;
  v.extradata = keyframe.config;
  v.timescale = kVideoTimescale;
  v.width = keyframe.width;
  v.height = keyframe.height;
  streams.push_back(v);
  if (options_.audio) {
    media::StreamInfo a;
    a.index = kAudioIndex;
    a.kind = media::StreamKind::kAudio;
    a.codec_name = "opus";
    a.codec_id = AV_CODEC_ID_OPUS;
    a.extradata = opus_head(options_.audio_channels);
    a.timescale = kAudioTimescale;
    a.sample_rate = 48'000;
    a.channels = static_cast<int>(options_.audio_channels);
    streams.push_back(a);
  }
  auto b = media::Broadcast::create(streams);
  if (!b) {
    spdlog::warn("whip: cannot describe the stream: {}", b.error().what);
    return false;
  }
  broadcast_ = std::move(*b);
  config_ = keyframe.config;
  const auto generated = static_cast<std::uint64_t>(wall_us() / 1000);
  server_.set_catalog(SharedBytes::copy(std::string_view(media::catalog_to_json(broadcast_->catalog(generated)))));
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& sub : waiting) accept(sub);
  return true;
}

void LivePublisher::add(IngestFrame&& frame) {
  if (ended_) return;
  const bool video = frame.kind == media::StreamKind::kVideo;
  if (!video && !options_.audio) return;
  if (!broadcast_) {
    if (!video || !frame.keyframe || frame.config.empty() || !start(frame)) {
      ++stats_.dropped;
      if (video) want_keyframe_();
      return;
    }
  }
  if (video && frame.keyframe && !frame.config.empty() && frame.config != config_) {
    // The sender changed its SPS/PPS (a new resolution): the group this keyframe starts carries the
    // new configuration, and the catalog names it: for subscriptions from now on, and as the
    // catalog track's next group for those already open.
    spdlog::info("whip: H.264 configuration changed ({}x{})", frame.width, frame.height);
    config_ = frame.config;
    broadcast_->set_config(0, frame.config, frame.width, frame.height);
    const auto generated = static_cast<std::uint64_t>(wall_us() / 1000);
    server_.set_catalog(SharedBytes::copy(std::string_view(media::catalog_to_json(broadcast_->catalog(generated)))));
  }
  media::Packet p;
  p.stream_index = video ? kVideoIndex : kAudioIndex;
  p.pts = ticks(frame.pts_ns, video ? kVideoTimescale : kAudioTimescale);
  p.dts = p.pts;
  p.keyframe = frame.keyframe;
  p.data = std::move(frame.data);
  const auto capture = static_cast<std::uint64_t>(frame.capture_us.value_or(frame.received_us));
  auto placed = broadcast_->add(p, capture);
  if (!placed || !*placed) {
    ++stats_.dropped;
    return;
  }
  auto& obj = **placed;
  const auto now = std::chrono::steady_clock::now();
  if (video && obj.new_group) {
    ++stats_.groups;
    group_started_ = now;
    new_group_wanted_ = false;  // a group began: what subscribers asked for
  } else if (video && now - group_started_ > options_.max_group) {
    request_keyframe(now);
  } else if (video) {
    request_wanted_group(now);
  }
  send(obj);
  if (video && frame.wire_us > 0 && stats_.gateway_us.size() < 100'000) {
    stats_.gateway_us.push_back(last_sent_us_ - frame.wire_us);
    stats_.after_jitter_us.push_back(last_sent_us_ - frame.received_us);
  }
}

void LivePublisher::send(media::BroadcastObject& obj) {
  server_.send(obj);
  ++stats_.objects;
  last_sent_us_ = wall_us();
}

bool LivePublisher::on_subscribe(const std::shared_ptr<moqt::ServedSubscription>& sub) {
  const std::string& name = sub->track().name;
  const bool known = name == media::kCatalogTrackName || name == "video0" || (options_.audio && name == "audio0");
  if (!known || ended_) return false;
  if (!broadcast_) {
    waiting_.push_back(sub);
    return true;
  }
  accept(sub);
  return true;
}

void LivePublisher::accept(const std::shared_ptr<moqt::ServedSubscription>& sub) {
  if (sub->state() != moqt::RequestState::kPending) return;
  const std::string& name = sub->track().name;
  if (name == media::kCatalogTrackName) {
    server_.serve_catalog(sub);
    return;
  }
  const auto& tracks = broadcast_->tracks();
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    if (tracks[i].name != name) continue;
    server_.serve_track(i, sub);
    spdlog::info("whip: subscriber for {}", name);
    return;
  }
  sub->reject(does_not_exist("no such track"));
}

void LivePublisher::end(std::string_view reason) {
  if (ended_) return;
  ended_ = true;
  for (auto& sub : waiting_) {
    if (sub->state() == moqt::RequestState::kPending) {
      sub->reject(does_not_exist(std::string(reason)));
    }
  }
  waiting_.clear();
  server_.end(reason);
}

}  // namespace kinetic::webrtc
