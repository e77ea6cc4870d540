#include "kinetic/webrtc/whep_stream.hpp"

#include <gst/app/gstappsrc.h>
#include <gst/video/video-event.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <utility>

namespace kinetic::webrtc {

namespace {

GstElement* make(const char* factory) { return gst_element_factory_make(factory, nullptr); }

// "profile-level-id=42e01f" → 0x42.
int offered_profile(const std::string& fmtp) {
  const auto at = fmtp.find("profile-level-id=");
  if (at == std::string::npos || at + 19 > fmtp.size()) return -1;
  unsigned v = 0;
  if (std::sscanf(fmtp.c_str() + at + 17, "%2x", &v) != 1) return -1;
  return static_cast<int>(v);
}

void on_ssrc_active(GstElement*, guint, guint, gpointer data) {
  static_cast<std::atomic<std::int64_t>*>(data)->store(wall_us());
}

// webrtcbin 1.22 makes the transceivers of a remote offer only when it answers; a first answer,
// thrown away, makes them, so a sender can then be linked to each by its m-line.
void make_offer_transceivers(GstElement* webrtc) {
  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc, "create-answer", nullptr, p);
  gst_promise_wait(p);
  gst_promise_unref(p);
}

bool offered(const OfferCodec& codec, std::string_view feedback) {
  return std::find(codec.feedback.begin(), codec.feedback.end(), feedback) != codec.feedback.end();
}

// The caps fields by which webrtcbin answers with RTCP feedback: those the client offered for
// `codec` and webrtcbin acts on (NACK answered by retransmission where the client offered RTX,
// PLI and FIR turned into keyframe requests), none it did not offer.
std::string feedback_fields(const OfferCodec& codec) {
  constexpr std::pair<std::string_view, std::string_view> kFields[] = {
      {"nack", ",rtcp-fb-nack=(boolean)true"},
      {"nack pli", ",rtcp-fb-nack-pli=(boolean)true"},
      {"ccm fir", ",rtcp-fb-ccm-fir=(boolean)true"},
  };
  std::string out;
  for (const auto& [fb, field] : kFields) {
    if (offered(codec, fb)) out += field;
  }
  return out;
}

// appsrc → payloader → the transceiver of m-line `mline`, now send-only with `preferences`; with
// `nack`, the transceiver keeps what it sent to resend what the client reports lost.
Done add_branch(GstElement* pipeline, GstElement* webrtc, unsigned mline, GstElement* src, GstElement* pay,
                const std::string& preferences, bool nack) {
  GArray* all = nullptr;
  g_signal_emit_by_name(webrtc, "get-transceivers", &all);
  GstWebRTCRTPTransceiver* t = nullptr;
  for (guint i = 0; all != nullptr && i < all->len; ++i) {
    auto* candidate = g_array_index(all, GstWebRTCRTPTransceiver*, i);
    guint index = 0;
    g_object_get(candidate, "mlineindex", &index, nullptr);
    if (index == mline) t = GST_WEBRTC_RTP_TRANSCEIVER(gst_object_ref(candidate));
  }
  if (all != nullptr) g_array_unref(all);
  if (t == nullptr) {
    gst_object_unref(src);
    gst_object_unref(pay);
    return internal("no transceiver for m-line " + std::to_string(mline));
  }
  GstCaps* caps = gst_caps_from_string(preferences.c_str());
  g_object_set(t, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", caps,
               "do-nack", nack ? TRUE : FALSE, nullptr);
  gst_caps_unref(caps);
  gst_bin_add_many(GST_BIN(pipeline), src, pay, nullptr);
  // sink_N is the pad of the transceiver at m-line N.
  GstPad* sink = gst_element_request_pad_simple(webrtc, ("sink_" + std::to_string(mline)).c_str());
  GstWebRTCRTPTransceiver* pad_trans = nullptr;
  if (sink != nullptr) g_object_get(sink, "transceiver", &pad_trans, nullptr);
  const bool same = pad_trans == t;
  gst_object_unref(t);
  if (pad_trans != nullptr) gst_object_unref(pad_trans);
  if (sink != nullptr) gst_object_unref(sink);
  if (!same) return internal("webrtcbin gave the sender a transceiver of its own");
  if (gst_element_link(src, pay) == FALSE) return internal("cannot link the payloader");
  return Ok{};
}

// After the answer: linked earlier, the payloader's exact profile-level-id would have to equal
// one the client offered, and webrtcbin would answer the section inactive. The client decodes
// the stream's own SPS whatever the offered level said.
Done link_branch(GstElement* webrtc, unsigned mline, GstElement* src, GstElement* pay) {
  GstPad* sink = gst_element_get_static_pad(webrtc, ("sink_" + std::to_string(mline)).c_str());
  GstPad* pay_src = gst_element_get_static_pad(pay, "src");
  const bool linked = sink != nullptr && gst_pad_link(pay_src, sink) == GST_PAD_LINK_OK;
  gst_object_unref(pay_src);
  if (sink != nullptr) gst_object_unref(sink);
  if (!linked) return internal("cannot link the sender to m-line " + std::to_string(mline));
  gst_element_sync_state_with_parent(pay);
  gst_element_sync_state_with_parent(src);
  return Ok{};
}

// What the probe on the video source needs; freed with the probe.
struct KeyframeWatch {
  std::function<void()> call;
  std::shared_ptr<std::atomic<std::uint64_t>> count;
};

// rtpsession turns the viewer's PLI/FIR into an upstream force-key-unit event; rtph264pay passes it
// on to the source, where the broadcast is asked for a new group (it has no encoder to ask).
GstPadProbeReturn on_upstream_event(GstPad*, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (event != nullptr && gst_video_event_is_force_key_unit(event)) {
    auto* watch = static_cast<KeyframeWatch*>(data);
    watch->count->fetch_add(1);
    if (watch->call) watch->call();
  }
  return GST_PAD_PROBE_OK;
}

GstElement* live_source(GstCaps* caps) {
  GstElement* src = make("appsrc");
  // Stamped on push with the pipeline's clock; a backlog before the viewer connects is dropped
  // from its old end rather than grown without bound.
  g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE, "caps", caps, "max-bytes",
               static_cast<guint64>(4u << 20), "leaky-type", 2 /* downstream: drop the oldest */, nullptr);
  gst_caps_unref(caps);
  return src;
}

}  // namespace

OfferCodec choose_h264(const CheckedOffer& offer, const std::string& avcc) {
  const int profile = avcc.size() > 1 ? static_cast<unsigned char>(avcc[1]) : -1;
  for (const auto& c : offer.h264_all) {
    if (c.fmtp.find("packetization-mode=1") != std::string::npos && offered_profile(c.fmtp) == profile) return c;
  }
  return offer.h264;
}

Outcome<std::unique_ptr<WhepStream>> WhepStream::create(const CheckedOffer& offer, const BroadcastMedia& media,
                                                        const EgressOptions& options, GlibThread& glib, EndFn on_end) {
  std::unique_ptr<WhepStream> self(new WhepStream());
  self->pipeline_ = gst_pipeline_new(nullptr);
  auto added = add_webrtcbin(self->pipeline_, options.ice, 0);
  if (!added) return added.error();
  GstElement* webrtc = *added;

  if (GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(webrtc), "rtpbin")) {
    g_signal_connect(rtpbin, "on-ssrc-active", G_CALLBACK(on_ssrc_active), self->last_heard_us_.get());
    gst_object_unref(rtpbin);
  }
  WhepStream* raw = self.get();
  GstElement* vpay = nullptr;
  GstElement* apay = nullptr;
  auto attach = [&]() -> Done {
    const OfferCodec h264 = choose_h264(offer, media.avcc);
    GstBuffer* codec_data = gst_buffer_new_memdup(media.avcc.data(), media.avcc.size());
    GstCaps* vcaps = gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "avc", "alignment",
                                         G_TYPE_STRING, "au", "codec_data", GST_TYPE_BUFFER, codec_data, nullptr);
    gst_buffer_unref(codec_data);
    raw->video_src_ = live_source(vcaps);
    if (GstPad* pad = gst_element_get_static_pad(raw->video_src_, "src")) {
      auto* watch = new KeyframeWatch{options.on_keyframe_request, raw->keyframe_requests_};
      gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream_event, watch,
                        [](gpointer d) { delete static_cast<KeyframeWatch*>(d); });
      gst_object_unref(pad);
    }
    vpay = make("rtph264pay");
    // SPS/PPS before every IDR; each access unit sent as soon as it is packetized.
    // Chosen here, not by the payloader once linked: the answer names it (and, with RTX, pairs
    // it with the retransmissions' SSRC) before the payloader is linked.
    const guint ssrc = g_random_int();
    g_object_set(vpay, "pt", h264.payload, "config-interval", -1, "aggregate-mode", 1, "ssrc", ssrc, nullptr);
    const std::string vprefs = "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=" +
                               std::to_string(h264.payload) + ",ssrc=(uint)" + std::to_string(ssrc) +
                               feedback_fields(h264);
    make_offer_transceivers(webrtc);
    if (auto v = add_branch(raw->pipeline_, webrtc, offer.video_mline, raw->video_src_, vpay, vprefs,
                            offered(h264, "nack"));
        !v)
      return v;
    if (!offer.opus || media.audio_track.empty()) return Ok{};
    GstCaps* acaps = gst_caps_new_simple("audio/x-opus", "channel-mapping-family", G_TYPE_INT, 0, "channels", G_TYPE_INT,
                                         static_cast<int>(media.audio_channels), "rate", G_TYPE_INT, 48000, nullptr);
    raw->audio_src_ = live_source(acaps);
    apay = make("rtpopuspay");
    g_object_set(apay, "pt", offer.opus->payload, nullptr);
    const std::string aprefs = "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=" +
                               std::to_string(offer.opus->payload);
    return add_branch(raw->pipeline_, webrtc, offer.audio_mline, raw->audio_src_, apay, aprefs, false);
  };
  self->watch_ = std::make_unique<PipelineWatch>(self->pipeline_, webrtc, glib, std::move(on_end));
  if (gst_element_set_state(self->pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return internal("pipeline does not start");
  }
  auto answer = answer_offer(webrtc, offer.sdp, options.answer_timeout_ms, attach);
  if (!answer) return answer.error();
  if (auto v = link_branch(webrtc, offer.video_mline, self->video_src_, vpay); !v) return v.error();
  if (apay != nullptr) {
    if (auto a = link_branch(webrtc, offer.audio_mline, self->audio_src_, apay); !a) return a.error();
  }
  self->answer_ = std::move(*answer);
  // The idle clock starts with the answer: ICE gathering took part of the timeout already, and
  // the viewer cannot send RTCP before it has the answer.
  self->last_heard_us_->store(wall_us());
  return Outcome<std::unique_ptr<WhepStream>>(std::move(self));
}

WhepStream::~WhepStream() {
  watch_.reset();
  if (pipeline_ != nullptr) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }
}

void WhepStream::push(const SubscribedFrame& frame) {
  GstElement* src = frame.kind == media::StreamKind::kVideo ? video_src_ : audio_src_;
  if (src == nullptr) return;
  GstBuffer* buf = gst_buffer_new_memdup(frame.payload.data(), frame.payload.size());
  if (!frame.keyframe) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  gst_app_src_push_buffer(GST_APP_SRC(src), buf);  // takes the buffer
  frames_.fetch_add(1);
}

}  // namespace kinetic::webrtc
