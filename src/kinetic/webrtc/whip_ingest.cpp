#include "kinetic/webrtc/whip_ingest.hpp"

#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video-event.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>

#include "kinetic/webrtc/rtp_media_clock.hpp"

namespace kinetic::webrtc {

namespace {

// NTP counts from 1900, Unix from 1970.
constexpr std::int64_t kNtpToUnixUs = 2'208'988'800LL * 1'000'000LL;

// What the RTP packet that completes a frame said, set by a probe on webrtcbin's source pad and
// read by the appsink callback below it: the depacketizer pushes the frame from within that
// packet's push, on the same thread, so no lookup table is needed.
struct RtpStamp {
  std::int64_t wire_us = 0;
  std::int64_t received_us = 0;
  std::optional<std::int64_t> capture_us;
  std::optional<std::uint64_t> media_ns;  // from the packet's RTP timestamp (rtp_media_clock.hpp)
};
thread_local RtpStamp t_stamp;

// When each recent RTP packet entered the RTP session, by SSRC and sequence number: what the
// gateway's own delay (jitter buffer, depacketizing, handing to MoQT) is measured from.
class WireArrivals {
 public:
  void record(std::uint32_t ssrc, std::uint16_t seq, std::int64_t us) {
    std::lock_guard lock(mu_);
    slots_[seq % kSlots] = {ssrc, seq, us};
  }
  std::int64_t find(std::uint32_t ssrc, std::uint16_t seq) const {
    std::lock_guard lock(mu_);
    const Slot& s = slots_[seq % kSlots];
    return s.ssrc == ssrc && s.seq == seq ? s.us : 0;
  }

 private:
  static constexpr std::size_t kSlots = 4096;
  struct Slot {
    std::uint32_t ssrc = 0;
    std::uint16_t seq = 0;
    std::int64_t us = 0;
  };
  mutable std::mutex mu_;
  std::array<Slot, kSlots> slots_{};
};

bool rtp_ids(GstBuffer* buf, std::uint32_t& ssrc, std::uint16_t& seq, std::uint32_t* timestamp = nullptr) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp)) return false;
  ssrc = gst_rtp_buffer_get_ssrc(&rtp);
  seq = gst_rtp_buffer_get_seq(&rtp);
  if (timestamp != nullptr) *timestamp = gst_rtp_buffer_get_timestamp(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  return true;
}

}  // namespace

struct WhipIngest::Shared {
  FrameFn on_frame;
  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> frames{0};
  std::mutex mu;
  GstPad* video_depay_sink = nullptr;  // guarded by mu; a reference
  std::chrono::steady_clock::time_point last_request{};
  GstCaps* ntp_caps = nullptr;
  WireArrivals arrivals;
  bool wire_probed = false;  // guarded by mu

  ~Shared() {
    if (video_depay_sink != nullptr) gst_object_unref(video_depay_sink);
    if (ntp_caps != nullptr) gst_caps_unref(ntp_caps);
  }
};

namespace {

// One received stream's probe state: its media clock, touched only on its streaming thread.
struct StreamStamps {
  WhipIngest::Shared* shared;
  RtpMediaClock clock;
};

GstPadProbeReturn stamp_rtp(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* stream = static_cast<StreamStamps*>(data);
  auto* shared = stream->shared;
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  t_stamp.received_us = wall_us();
  t_stamp.capture_us.reset();
  t_stamp.media_ns.reset();
  t_stamp.wire_us = 0;
  std::uint32_t ssrc = 0;
  std::uint16_t seq = 0;
  std::uint32_t timestamp = 0;
  if (rtp_ids(buf, ssrc, seq, &timestamp)) {
    t_stamp.wire_us = shared->arrivals.find(ssrc, seq);
    const auto session_ns =
        GST_BUFFER_PTS_IS_VALID(buf) ? std::optional<std::uint64_t>(GST_BUFFER_PTS(buf)) : std::nullopt;
    t_stamp.media_ns = stream->clock.media_ns(ssrc, timestamp, session_ns);
  }
  if (GstReferenceTimestampMeta* meta = gst_buffer_get_reference_timestamp_meta(buf, shared->ntp_caps)) {
    t_stamp.capture_us = static_cast<std::int64_t>(meta->timestamp / 1000) - kNtpToUnixUs;
  }
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn stamp_wire(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* shared = static_cast<WhipIngest::Shared*>(data);
  const std::int64_t now = wall_us();
  auto record = [&](GstBuffer* buf) {
    std::uint32_t ssrc = 0;
    std::uint16_t seq = 0;
    if (rtp_ids(buf, ssrc, seq)) shared->arrivals.record(ssrc, seq, now);
  };
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) record(gst_buffer_list_get(list, i));
  } else {
    record(GST_PAD_PROBE_INFO_BUFFER(info));
  }
  return GST_PAD_PROBE_OK;
}

// The RTP session's inputs (decrypted RTP from the DTLS/SRTP transport) exist once negotiated.
void probe_wire(GstElement* webrtc, WhipIngest::Shared* shared) {
  {
    std::lock_guard lock(shared->mu);
    if (shared->wire_probed) return;
    shared->wire_probed = true;
  }
  GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(webrtc), "rtpbin");
  if (rtpbin == nullptr) return;
  GstIterator* it = gst_element_iterate_sink_pads(rtpbin);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* pad = GST_PAD(g_value_get_object(&item));
    if (g_str_has_prefix(GST_PAD_NAME(pad), "recv_rtp_sink_")) {
      gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                        stamp_wire, shared, nullptr);
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  gst_object_unref(rtpbin);
}

GstFlowReturn on_sample(GstAppSink* sink, gpointer data) {
  auto* shared = static_cast<WhipIngest::Shared*>(data);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (sample == nullptr) return GST_FLOW_EOS;
  GstBuffer* buf = gst_sample_get_buffer(sample);
  GstCaps* caps = gst_sample_get_caps(sample);
  if (buf == nullptr || caps == nullptr || shared->stopped.load()) {
    gst_sample_unref(sample);
    return GST_FLOW_OK;
  }
  IngestFrame f;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  f.kind = g_str_has_prefix(gst_structure_get_name(s), "video/") ? media::StreamKind::kVideo : media::StreamKind::kAudio;
  GstMapInfo map;
  if (gst_buffer_map(buf, &map, GST_MAP_READ)) {
    f.data.assign(map.data, map.data + map.size);
    gst_buffer_unmap(buf, &map);
  }
  if (t_stamp.media_ns) {
    f.pts_ns = *t_stamp.media_ns;
  } else {
    f.pts_ns = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : 0;
  }
  f.keyframe = f.kind == media::StreamKind::kAudio || !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (f.kind == media::StreamKind::kVideo) {
    if (const GValue* v = gst_structure_get_value(s, "codec_data"); v != nullptr && GST_VALUE_HOLDS_BUFFER(v)) {
      GstBuffer* cd = gst_value_get_buffer(v);
      if (gst_buffer_map(cd, &map, GST_MAP_READ)) {
        f.config.assign(reinterpret_cast<const char*>(map.data), map.size);
        gst_buffer_unmap(cd, &map);
      }
    }
    gst_structure_get_int(s, "width", &f.width);
    gst_structure_get_int(s, "height", &f.height);
  }
  gst_sample_unref(sample);
  f.wire_us = t_stamp.wire_us;
  f.received_us = t_stamp.received_us;
  f.capture_us = t_stamp.capture_us;
  f.depacketized_us = wall_us();
  if (f.data.empty()) return GST_FLOW_OK;
  shared->frames.fetch_add(1);
  shared->on_frame(std::move(f));
  return GST_FLOW_OK;
}

GstElement* make(const char* factory) { return gst_element_factory_make(factory, nullptr); }

// webrtcbin has a new stream: H.264 and Opus go to depacketizers and an appsink, anything else
// (another audio codec the client insisted on) is received and dropped.
void on_pad_added(GstElement* webrtc, GstPad* pad, gpointer data) {
  auto* shared = static_cast<WhipIngest::Shared*>(data);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  probe_wire(webrtc, shared);
  GstElement* pipeline = GST_ELEMENT(gst_element_get_parent(webrtc));
  if (pipeline == nullptr) return;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const gchar* encoding = s != nullptr ? gst_structure_get_string(s, "encoding-name") : nullptr;
  gint clock_rate = 0;
  if (s != nullptr) gst_structure_get_int(s, "clock-rate", &clock_rate);
  std::vector<GstElement*> chain;
  bool video = false;
  if (encoding != nullptr && g_ascii_strcasecmp(encoding, "H264") == 0) {
    video = true;
    GstElement* depay = make("rtph264depay");
    g_object_set(depay, "request-keyframe", TRUE, "wait-for-keyframe", TRUE, nullptr);
    GstElement* parse = make("h264parse");
    GstElement* filter = make("capsfilter");
    GstCaps* au = gst_caps_from_string("video/x-h264,stream-format=avc,alignment=au");
    g_object_set(filter, "caps", au, nullptr);
    gst_caps_unref(au);
    chain = {depay, parse, filter};
  } else if (encoding != nullptr && g_ascii_strcasecmp(encoding, "OPUS") == 0) {
    chain = {make("rtpopusdepay")};
  }
  gst_caps_unref(caps);
  GstElement* sink = nullptr;
  if (chain.empty()) {
    sink = make("fakesink");
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  } else {
    sink = make("appsink");
    g_object_set(sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, shared, nullptr);
    auto* stamps =
        new StreamStamps{shared, RtpMediaClock(static_cast<std::uint32_t>(std::max(clock_rate, 0)))};
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_rtp, stamps,
                      [](gpointer p) { delete static_cast<StreamStamps*>(p); });
  }
  chain.push_back(sink);
  for (GstElement* e : chain) gst_bin_add(GST_BIN(pipeline), e);
  bool linked = true;
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) linked = linked && gst_element_link(chain[i], chain[i + 1]);
  for (GstElement* e : chain) gst_element_sync_state_with_parent(e);
  GstPad* first_sink = gst_element_get_static_pad(chain.front(), "sink");
  linked = linked && gst_pad_link(pad, first_sink) == GST_PAD_LINK_OK;
  if (!linked) spdlog::warn("whip: could not link the {} stream", encoding != nullptr ? encoding : "unknown");
  if (video) {
    std::lock_guard lock(shared->mu);
    if (shared->video_depay_sink != nullptr) gst_object_unref(shared->video_depay_sink);
    shared->video_depay_sink = first_sink;
  } else {
    gst_object_unref(first_sink);
  }
  gst_object_unref(pipeline);
}

}  // namespace

Outcome<std::unique_ptr<WhipIngest>> WhipIngest::create(const CheckedOffer& offer, const IngestOptions& options,
                                                             GlibThread& glib, FrameFn on_frame, EndFn on_end) {
  std::unique_ptr<WhipIngest> self(new WhipIngest());
  self->shared_ = std::make_shared<Shared>();
  self->shared_->on_frame = std::move(on_frame);
  self->shared_->ntp_caps = gst_caps_new_empty_simple("timestamp/x-ntp");
  self->pipeline_ = gst_pipeline_new(nullptr);
  auto added = add_webrtcbin(self->pipeline_, options.ice, options.latency_ms);
  if (!added) return added.error();
  GstElement* webrtc = *added;
  g_signal_connect(webrtc, "pad-added", G_CALLBACK(on_pad_added), self->shared_.get());
  const auto pt = [](unsigned p) { return std::to_string(p); };
  GstWebRTCRTPTransceiver* t = add_transceiver(
      webrtc, GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
      "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=" + pt(offer.h264.payload), true);
  if (t != nullptr) gst_object_unref(t);
  if (offer.opus) {
    t = add_transceiver(webrtc, GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                        "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=" +
                            pt(offer.opus->payload),
                        false);
    if (t != nullptr) gst_object_unref(t);
  }
  self->watch_ = std::make_unique<PipelineWatch>(self->pipeline_, webrtc, glib, std::move(on_end));
  if (gst_element_set_state(self->pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return internal("pipeline does not start");
  }
  auto answer = answer_offer(webrtc, offer.sdp, options.answer_timeout_ms);
  if (!answer) return answer.error();
  self->answer_ = std::move(*answer);
  return Outcome<std::unique_ptr<WhipIngest>>(std::move(self));
}

WhipIngest::~WhipIngest() {
  if (shared_) shared_->stopped = true;
  watch_.reset();
  if (pipeline_ != nullptr) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }
}

void WhipIngest::request_keyframe() {
  GstPad* pad = nullptr;
  {
    std::lock_guard lock(shared_->mu);
    const auto now = std::chrono::steady_clock::now();
    if (shared_->video_depay_sink == nullptr || now - shared_->last_request < std::chrono::milliseconds(200)) return;
    shared_->last_request = now;
    pad = GST_PAD(gst_object_ref(shared_->video_depay_sink));
  }
  // Upstream from the depacketizer, webrtcbin's RTP session turns this into PLI or FIR.
  gst_pad_push_event(pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  gst_object_unref(pad);
}

std::uint64_t WhipIngest::frames() const { return shared_->frames.load(); }

}  // namespace kinetic::webrtc
