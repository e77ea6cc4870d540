// One WHEP viewer's media at the stream's own level: which of the viewer's H.264 payloads it
// sends with, the answer it gives, and a broadcast's access units reaching a real viewer, a
// webrtcbin in this process receiving over loopback ICE (no browser).
#include "kinetic/webrtc/whep_stream.hpp"

#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video-event.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "h264_samples.hpp"
#include "offers.hpp"
#include "sdp_text.hpp"
#include "webrtcbin_driver.hpp"

namespace kinetic::webrtc {
namespace {

using namespace std::chrono_literals;

const IceScope kLoopback{{"127.0.0.1"}};

// avcC records that differ only in profile_idc, which is what choose_h264 matches.
std::string avcc(unsigned char profile) {
  return std::string("\x01", 1) + static_cast<char>(profile) + "\xe0\x1f\xff\xe1";
}

CheckedOffer viewer_offer(const std::string& codecs) {
  auto offer = check_offer(test::make_offer(codecs, "recvonly"), OfferRole::kPlay, true);
  EXPECT_TRUE(offer) << offer.error().what;
  return offer ? *offer : CheckedOffer{};
}

// make_offer's video section lists payloads 96 and 102: High first, then Constrained Baseline.
const std::string kHighAndBaseline =
    "a=rtpmap:96 H264/90000\r\na=fmtp:96 "
    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032\r\n"
    "a=rtpmap:102 H264/90000\r\na=fmtp:102 "
    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";

TEST(ChooseH264, TakesThePayloadWhoseProfileIsTheBroadcasts) {
  const CheckedOffer offer = viewer_offer(kHighAndBaseline);
  EXPECT_EQ(choose_h264(offer, avcc(0x42)).payload, 102u);
  EXPECT_EQ(choose_h264(offer, avcc(0x64)).payload, 96u);
}

TEST(ChooseH264, FallsBackToTheOffersOwnChoice) {
  const CheckedOffer offer = viewer_offer(kHighAndBaseline);
  ASSERT_EQ(offer.h264.payload, 96u);
  EXPECT_EQ(choose_h264(offer, avcc(0x4d)).payload, 96u) << "Main was not offered";
  EXPECT_EQ(choose_h264(offer, "").payload, 96u) << "no avcC to match";
}

// Mode 0 (one NAL unit per packet) cannot carry what the payloader sends, whatever its profile.
TEST(ChooseH264, AMatchingProfileNeedsPacketizationMode1) {
  const CheckedOffer offer = viewer_offer(
      "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=0;profile-level-id=640032\r\n"
      "a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n");
  EXPECT_EQ(choose_h264(offer, avcc(0x64)).payload, 102u);
}

class WhepStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const Done ready = init_gstreamer(); !ready) GTEST_SKIP() << ready.error().what;
  }
  void TearDown() override {
    if (stream_) glib_.run_sync([this] { stream_.reset(); });
  }

  ::testing::AssertionResult create(const CheckedOffer& offer, const BroadcastMedia& media,
                                    const std::function<void(EgressOptions&)>& tune = {}) {
    EgressOptions options;
    options.ice = kLoopback;
    if (tune) tune(options);
    auto stream = WhepStream::create(offer, media, options, glib_, [this](std::string why) {
      std::lock_guard lock(mu_);
      ends_.push_back(std::move(why));
    });
    if (!stream) return ::testing::AssertionFailure() << "no stream: " << stream.error().what;
    stream_ = std::move(*stream);
    return ::testing::AssertionSuccess();
  }

  // For the tests with media (Encoder and Viewer below): the encoder's first access unit gives
  // the avcC, the viewer offers, the stream answers and the viewer applies the answer.
  template <class Encoder, class Viewer>
  ::testing::AssertionResult connect(Encoder& encoder, Viewer& viewer, std::string& config,
                                     const std::function<void(EgressOptions&)>& tune = {}) {
    if (!encoder.ok()) return ::testing::AssertionFailure() << "the encoder pipeline did not start";
    SubscribedFrame first;
    if (!encoder.next(first, config, std::chrono::milliseconds(5000)))
      return ::testing::AssertionFailure() << "no access unit from the encoder in 5 s";
    if (config.size() < 7) return ::testing::AssertionFailure() << "no avcC from the encoder";
    if (viewer.webrtc() == nullptr) return ::testing::AssertionFailure() << "no viewer webrtcbin";
    const std::string sdp = test::create_offer(viewer.webrtc());
    auto offer = check_offer(sdp, OfferRole::kPlay, true);
    if (!offer) return ::testing::AssertionFailure() << offer.error().what << "\n" << sdp;
    if (auto made = create(*offer, BroadcastMedia{"video", config, "", 2}, tune); !made) return made;
    if (!test::apply_answer(viewer.webrtc(), stream_->answer()))
      return ::testing::AssertionFailure() << "the viewer refused the answer";
    return ::testing::AssertionSuccess();
  }

  GlibThread glib_;
  std::mutex mu_;
  std::vector<std::string> ends_;
  std::unique_ptr<WhepStream> stream_;
};

TEST_F(WhepStreamTest, AnswersSendingTheBroadcastsProfileAndItsOpus) {
  const CheckedOffer offer = viewer_offer(kHighAndBaseline);
  const std::int64_t before = wall_us();
  // Not the offer's first choice (High), but the broadcast's profile (Constrained Baseline).
  ASSERT_TRUE(create(offer, BroadcastMedia{"video", avcc(0x42), "audio", 2}));
  const std::int64_t answered = wall_us();
  const std::string answer = stream_->answer();
  const std::string video = test::lower(test::sdp_section(answer, "video"));
  ASSERT_FALSE(video.empty()) << answer;
  EXPECT_NE(video.find("a=sendonly"), std::string::npos) << answer;
  EXPECT_NE(video.find("a=rtpmap:102 h264/90000"), std::string::npos) << "not the broadcast's profile:\n"
                                                                      << answer;
  EXPECT_EQ(video.find("a=rtpmap:96 "), std::string::npos) << "a payload the stream does not send:\n"
                                                           << answer;
  const std::string audio = test::lower(test::sdp_section(answer, "audio"));
  EXPECT_NE(audio.find("a=sendonly"), std::string::npos) << answer;
  EXPECT_NE(audio.find("opus/48000"), std::string::npos) << answer;
  const auto candidates = test::sdp_candidates(answer);
  ASSERT_FALSE(candidates.empty()) << answer;
  for (const auto& c : candidates) EXPECT_NE(c.find(" 127.0.0.1 "), std::string::npos) << c;
  // Not heard from yet: the idle check counts from the answer, not from the start of ICE
  // gathering, which is most of create()'s 0.3-0.5 s; after the answer only the payloaders are
  // linked.
  EXPECT_GT(stream_->last_heard_us() - before, (answered - before) / 2);
  EXPECT_LE(stream_->last_heard_us(), answered);
  EXPECT_EQ(stream_->frames(), 0u);
}

// A browser asks for lost packets (NACK) and keyframes (PLI, FIR) only where the answer agreed to
// them: the stream answers with the feedback the viewer offered for the payload it sends, and
// with nothing the viewer did not offer.
TEST_F(WhepStreamTest, AnswersWithTheFeedbackTheViewerOffered) {
  const CheckedOffer offer = viewer_offer(
      "a=rtpmap:96 H264/90000\r\na=rtcp-fb:96 ccm fir\r\na=fmtp:96 "
      "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032\r\n"
      "a=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\na=fmtp:102 "
      "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n");
  ASSERT_TRUE(create(offer, BroadcastMedia{"video", avcc(0x42), "", 2}));
  const std::string video = test::lower(test::sdp_section(stream_->answer(), "video"));
  EXPECT_NE(video.find("a=rtcp-fb:102 nack\r\n"), std::string::npos) << video;
  EXPECT_NE(video.find("a=rtcp-fb:102 nack pli"), std::string::npos) << video;
  EXPECT_EQ(video.find("ccm fir"), std::string::npos) << "feedback the viewer did not offer for 102:\n"
                                                      << video;
}

// With RTX agreed, the answer names the media's SSRC beside the retransmissions' (FID group):
// named 0, before the payloader is linked, a browser tied the track to the retransmissions and
// left its <video> empty while it decoded the media on a stream of its own.
TEST_F(WhepStreamTest, AnswersRtxWithTheSsrcTheMediaIsSentWith) {
  const CheckedOffer offer = viewer_offer(
      "a=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\na=fmtp:102 "
      "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
      "a=rtpmap:96 rtx/90000\r\na=fmtp:96 apt=102\r\n");
  ASSERT_TRUE(create(offer, BroadcastMedia{"video", avcc(0x42), "", 2}));
  const std::string video = test::lower(test::sdp_section(stream_->answer(), "video"));
  ASSERT_NE(video.find("a=rtpmap:96 rtx/90000"), std::string::npos) << video;
  const auto fid = video.find("a=ssrc-group:fid ");
  ASSERT_NE(fid, std::string::npos) << video;
  std::istringstream group(video.substr(fid + 17));
  unsigned long media = 0;
  unsigned long rtx = 0;
  ASSERT_TRUE(group >> media >> rtx) << video;
  EXPECT_NE(media, 0u) << video;
  EXPECT_NE(media, rtx) << video;
  EXPECT_NE(video.find("a=ssrc:" + std::to_string(media) + " msid:"), std::string::npos) << video;
}

TEST_F(WhepStreamTest, AnswersWithNoFeedbackWhereTheViewerOfferedNone) {
  ASSERT_TRUE(create(viewer_offer(kHighAndBaseline), BroadcastMedia{"video", avcc(0x42), "", 2}));
  const std::string video = test::lower(test::sdp_section(stream_->answer(), "video"));
  EXPECT_EQ(video.find("a=rtcp-fb"), std::string::npos) << video;
}

// H.264 access units from an encoder in this process, as a broadcast's LOC objects carry them.
class Encoder {
 public:
  Encoder() : pipeline_(nullptr) {
    GError* err = nullptr;
    pipeline_ = gst_parse_launch(
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
        "openh264enc gop-size=15 ! h264parse ! video/x-h264,stream-format=avc,alignment=au ! "
        "appsink name=out sync=false max-buffers=64",
        &err);
    if (pipeline_ == nullptr) {
      if (err != nullptr) g_error_free(err);
      return;
    }
    if (err != nullptr) g_error_free(err);
    sink_ = gst_bin_get_by_name(GST_BIN(pipeline_), "out");
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  }
  ~Encoder() {
    if (pipeline_ == nullptr) return;
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    if (sink_ != nullptr) gst_object_unref(sink_);
    gst_object_unref(pipeline_);
  }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  [[nodiscard]] bool ok() const { return sink_ != nullptr; }

  // The next access unit within `limit`, with the avcC in force; false when none came.
  bool next(SubscribedFrame& frame, std::string& config, std::chrono::milliseconds limit) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink_),
                                                     static_cast<GstClockTime>(limit.count()) * GST_MSECOND);
    if (sample == nullptr) return false;
    GstBuffer* buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buf != nullptr && gst_buffer_map(buf, &map, GST_MAP_READ)) {
      frame.kind = media::StreamKind::kVideo;
      frame.payload = SharedBytes::copy(std::span<const std::uint8_t>(map.data, map.size));
      frame.keyframe = !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
      gst_buffer_unmap(buf, &map);
    }
    if (const GstStructure* s = gst_caps_get_structure(gst_sample_get_caps(sample), 0)) {
      const GValue* v = gst_structure_get_value(s, "codec_data");
      if (v != nullptr && GST_VALUE_HOLDS_BUFFER(v) &&
          gst_buffer_map(gst_value_get_buffer(v), &map, GST_MAP_READ)) {
        config.assign(reinterpret_cast<const char*>(map.data), map.size);
        gst_buffer_unmap(gst_value_get_buffer(v), &map);
      }
    }
    gst_sample_unref(sample);
    return true;
  }

 private:
  GstElement* pipeline_;
  GstElement* sink_ = nullptr;
};

// A viewer in this process: webrtcbin receiving H.264 on 127.0.0.1, counting the RTP packets
// it decrypts. A lossy one (`drops` > 0) loses every `drop_every`th H.264 packet as it comes off
// the wire, `drops` of them, and waits up to `latency_ms` for them to be sent again.
class Viewer {
 public:
  Viewer() : Viewer(0, 0, 0) {}
  Viewer(unsigned latency_ms, unsigned drop_every, unsigned drops)
      : pipeline_(gst_pipeline_new(nullptr)), drop_every_(drop_every), drops_left_(drops) {
    auto added = add_webrtcbin(pipeline_, kLoopback, latency_ms);
    if (!added) return;
    webrtc_ = *added;
    if (drops > 0) {
      // The RTP session's inputs: SRTP already removed, before NACK and RTX could repair a loss.
      if (GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(webrtc_), "rtpbin")) {
        g_signal_connect(rtpbin, "pad-added", G_CALLBACK(on_rtpbin_pad), this);
        gst_object_unref(rtpbin);
      }
    }
    GstWebRTCRTPTransceiver* t =
        add_transceiver(webrtc_, GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                        "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=102,"
                        "packetization-mode=(string)1,profile-level-id=(string)42e01f",
                        true);
    if (t != nullptr) gst_object_unref(t);
    g_signal_connect(webrtc_, "pad-added", G_CALLBACK(on_pad_added), this);
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  }
  ~Viewer() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    if (sink_pad_ != nullptr) gst_object_unref(sink_pad_);
    gst_object_unref(pipeline_);
  }
  Viewer(const Viewer&) = delete;
  Viewer& operator=(const Viewer&) = delete;

  [[nodiscard]] GstElement* webrtc() const { return webrtc_; }
  [[nodiscard]] std::uint64_t packets() const { return packets_.load(); }
  // The sequence numbers lost on the wire, and those of them that came out of the jitter buffer.
  [[nodiscard]] std::pair<std::set<std::uint16_t>, std::set<std::uint16_t>> lost_and_repaired() {
    std::lock_guard lock(mu_);
    std::set<std::uint16_t> repaired;
    for (auto seq : dropped_) {
      if (delivered_.count(seq) != 0) repaired.insert(seq);
    }
    return {dropped_, repaired};
  }
  // What a decoder does after a loss it cannot repair: an upstream force-key-unit event, which
  // webrtcbin sends to the sender as PLI. False before the video pad exists.
  bool request_keyframe() {
    GstPad* pad = nullptr;
    {
      std::lock_guard lock(mu_);
      if (sink_pad_ != nullptr) pad = GST_PAD(gst_object_ref(sink_pad_));
    }
    if (pad == nullptr) return false;
    const bool sent =
        gst_pad_push_event(pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref(pad);
    return sent;
  }

 private:
  static bool rtp_header(GstBuffer* buf, std::uint8_t& pt, std::uint16_t& seq) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp)) return false;
    pt = gst_rtp_buffer_get_payload_type(&rtp);
    seq = gst_rtp_buffer_get_seq(&rtp);
    gst_rtp_buffer_unmap(&rtp);
    return true;
  }
  static GstPadProbeReturn count(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<Viewer*>(data);
    self->packets_.fetch_add(1);
    std::uint8_t pt = 0;
    std::uint16_t seq = 0;
    if (self->drop_every_ > 0 && rtp_header(GST_PAD_PROBE_INFO_BUFFER(info), pt, seq)) {
      std::lock_guard lock(self->mu_);
      self->delivered_.insert(seq);
    }
    return GST_PAD_PROBE_OK;
  }
  static GstPadProbeReturn drop(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<Viewer*>(data);
    if ((GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) == 0) return GST_PAD_PROBE_OK;
    std::uint8_t pt = 0;
    std::uint16_t seq = 0;
    if (!rtp_header(GST_PAD_PROBE_INFO_BUFFER(info), pt, seq) || pt != 102) return GST_PAD_PROBE_OK;
    std::lock_guard lock(self->mu_);
    if (self->drops_left_ == 0 || ++self->seen_ % self->drop_every_ != 0) return GST_PAD_PROBE_OK;
    --self->drops_left_;
    self->dropped_.insert(seq);
    return GST_PAD_PROBE_DROP;
  }
  static void on_rtpbin_pad(GstElement*, GstPad* pad, gpointer data) {
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SINK || !g_str_has_prefix(GST_PAD_NAME(pad), "recv_rtp_sink_"))
      return;
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, drop, data, nullptr);
  }
  static void on_pad_added(GstElement* webrtc, GstPad* pad, gpointer data) {
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    GstElement* sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    GstElement* pipeline = GST_ELEMENT(gst_element_get_parent(webrtc));
    gst_bin_add(GST_BIN(pipeline), sink);
    gst_element_sync_state_with_parent(sink);
    GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count, data, nullptr);
    gst_pad_link(pad, sink_pad);
    auto* self = static_cast<Viewer*>(data);
    {
      std::lock_guard lock(self->mu_);
      if (self->sink_pad_ == nullptr) self->sink_pad_ = GST_PAD(gst_object_ref(sink_pad));
    }
    gst_object_unref(sink_pad);
    gst_object_unref(pipeline);
  }

  GstElement* pipeline_;
  GstElement* webrtc_ = nullptr;
  std::atomic<std::uint64_t> packets_{0};
  std::mutex mu_;
  GstPad* sink_pad_ = nullptr;
  const unsigned drop_every_;
  unsigned drops_left_;                          // guarded by mu_
  std::uint64_t seen_ = 0;                       // H.264 packets off the wire, guarded by mu_
  std::set<std::uint16_t> dropped_, delivered_;  // guarded by mu_
};

TEST_F(WhepStreamTest, ABroadcastsAccessUnitsReachAViewer) {
  if (!test::have_openh264_encoder()) GTEST_SKIP() << "openh264enc not installed (gstreamer1.0-plugins-bad)";
  Encoder encoder;
  Viewer viewer;
  std::string config;
  ASSERT_TRUE(connect(encoder, viewer, config));

  // The broadcast runs in real time, as frames come from the relay, until the viewer has a second's worth.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::uint64_t pushed = 0;
  while (viewer.packets() < 30 && std::chrono::steady_clock::now() < deadline) {
    SubscribedFrame f;
    if (!encoder.next(f, config, 1000ms)) break;
    stream_->push(f);
    ++pushed;
  }
  EXPECT_GE(viewer.packets(), 30u) << "the viewer got " << viewer.packets() << " RTP packets of " << pushed
                                   << " access units pushed";
  EXPECT_EQ(stream_->frames(), pushed);
  std::lock_guard lock(mu_);
  EXPECT_TRUE(ends_.empty()) << ends_.front();
}

// A viewer that loses packets on the way asks for them again (NACK) and the stream sends them
// (RTX, which the viewer offered): every lost packet comes out of the viewer's jitter buffer, so
// no keyframe is needed to get past it.
TEST_F(WhepStreamTest, PacketsAViewerLosesAreSentAgain) {
  if (!test::have_openh264_encoder()) GTEST_SKIP() << "openh264enc not installed (gstreamer1.0-plugins-bad)";
  Encoder encoder;
  // A second of jitter buffer: webrtcbin's viewer sends an early NACK at most once per RTCP
  // interval, the next one only with its next regular report.
  Viewer viewer(1000, 30, 6);
  std::string config;
  ASSERT_TRUE(connect(encoder, viewer, config));
  ASSERT_NE(test::lower(stream_->answer()).find(" rtx/90000"), std::string::npos) << stream_->answer();

  // Real time, until the six losses happened and a second and a half more went by for their repair.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  std::optional<std::chrono::steady_clock::time_point> settle;
  while (std::chrono::steady_clock::now() < deadline &&
         (!settle || std::chrono::steady_clock::now() < *settle)) {
    SubscribedFrame f;
    if (!encoder.next(f, config, 1000ms)) break;
    stream_->push(f);
    if (!settle && viewer.lost_and_repaired().first.size() == 6)
      settle = std::chrono::steady_clock::now() + 1500ms;
  }
  const auto [lost, repaired] = viewer.lost_and_repaired();
  ASSERT_EQ(lost.size(), 6u) << "the viewer lost " << lost.size() << " of 6 packets in 15 s; "
                             << viewer.packets() << " packets";
  EXPECT_EQ(repaired, lost) << repaired.size() << " of " << lost.size() << " lost packets were sent again";
  std::lock_guard lock(mu_);
  EXPECT_TRUE(ends_.empty()) << ends_.front();
}

// The viewer's PLI comes out of the stream as a keyframe request (the gateway turns it into a
// NEW_GROUP_REQUEST); nothing asks before the viewer does.
TEST_F(WhepStreamTest, AViewersKeyframeRequestComesOut) {
  if (!test::have_openh264_encoder()) GTEST_SKIP() << "openh264enc not installed (gstreamer1.0-plugins-bad)";
  Encoder encoder;
  Viewer viewer;
  std::string config;
  std::atomic<int> asked{0};
  ASSERT_TRUE(connect(encoder, viewer, config, [&asked](EgressOptions& o) {
    o.on_keyframe_request = [&asked] { asked.fetch_add(1); };
  }));

  const auto deadline = std::chrono::steady_clock::now() + 10s;
  bool requested = false;
  while (asked.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    SubscribedFrame f;
    if (!encoder.next(f, config, 1000ms)) break;
    stream_->push(f);
    if (!requested && viewer.packets() >= 10) {
      EXPECT_EQ(asked.load(), 0) << "a keyframe was asked for before the viewer asked";
      requested = viewer.request_keyframe();
    }
  }
  ASSERT_TRUE(requested) << "the viewer got " << viewer.packets() << " RTP packets and could not ask";
  EXPECT_GE(asked.load(), 1) << "the viewer's PLI did not come out of the stream";
  EXPECT_EQ(stream_->keyframe_requests(), static_cast<std::uint64_t>(asked.load()));
}

}  // namespace
}  // namespace kinetic::webrtc
