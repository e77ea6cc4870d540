// One WHIP publisher's media at the ingest's own level: the answer it gives an offer, and the
// frames it hands on from a real publisher, a webrtcbin in this process sending encoded H.264
// over loopback ICE (no browser).
#include "kinetic/webrtc/whip_ingest.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "h264_samples.hpp"
#include "offers.hpp"
#include "sdp_text.hpp"
#include "webrtcbin_driver.hpp"

namespace kinetic::webrtc {
namespace {

using namespace std::chrono_literals;

const IceScope kLoopback{{"127.0.0.1"}};

// Whether `data` is whole AVC NAL units, each behind its 4-byte big-endian length.
bool is_length_prefixed(const std::vector<std::uint8_t>& data) {
  std::size_t at = 0;
  while (at + 4 <= data.size()) {
    const std::size_t n = (std::size_t{data[at]} << 24) | (std::size_t{data[at + 1]} << 16) |
                          (std::size_t{data[at + 2]} << 8) | std::size_t{data[at + 3]};
    if (n == 0 || at + 4 + n > data.size()) return false;
    at += 4 + n;
  }
  return at == data.size() && at > 0;
}

class WhipIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const Done ready = init_gstreamer(); !ready) GTEST_SKIP() << ready.error().what;
  }
  // The gateway ends an ingest on the GLib thread.
  void TearDown() override {
    if (ingest_) glib_.run_sync([this] { ingest_.reset(); });
  }

  ::testing::AssertionResult create(const CheckedOffer& offer) {
    IngestOptions options;
    options.ice = kLoopback;
    auto ingest = WhipIngest::create(
        offer, options, glib_,
        [this](IngestFrame&& f) {
          std::lock_guard lock(mu_);
          if (f.kind == media::StreamKind::kVideo && f.keyframe) ++keyframes_;
          if (frames_.size() < 256) frames_.push_back(std::move(f));
          cv_.notify_all();
        },
        [this](std::string why) {
          std::lock_guard lock(mu_);
          ends_.push_back(std::move(why));
        });
    if (!ingest) return ::testing::AssertionFailure() << "no ingest: " << ingest.error().what;
    ingest_ = std::move(*ingest);
    return ::testing::AssertionSuccess();
  }

  bool keyframes_within(std::size_t count, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return keyframes_ >= count; });
  }

  GlibThread glib_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<IngestFrame> frames_;
  std::size_t keyframes_ = 0;
  std::vector<std::string> ends_;
  std::unique_ptr<WhipIngest> ingest_;
};

TEST_F(WhipIngestTest, AnswersReceivingOnlyTheH264AndOpusItCarries) {
  auto offer = check_offer(test::make_offer(test::kH264AndVp8), OfferRole::kPublish, true);
  ASSERT_TRUE(offer) << offer.error().what;
  ASSERT_TRUE(create(*offer));
  const std::string answer = ingest_->answer();
  const std::string video = test::lower(test::sdp_section(answer, "video"));
  ASSERT_FALSE(video.empty()) << answer;
  EXPECT_NE(video.find("a=recvonly"), std::string::npos) << answer;
  EXPECT_NE(video.find("a=rtpmap:102 h264/90000"), std::string::npos) << answer;
  EXPECT_EQ(video.find("vp8"), std::string::npos) << "answered with a codec the gateway cannot carry:\n"
                                                  << answer;
  const std::string audio = test::lower(test::sdp_section(answer, "audio"));
  ASSERT_FALSE(audio.empty()) << answer;
  EXPECT_NE(audio.find("a=recvonly"), std::string::npos) << answer;
  EXPECT_NE(audio.find("a=rtpmap:111 opus/48000"), std::string::npos) << answer;
  const auto lines = test::sdp_candidates(answer);
  ASSERT_FALSE(lines.empty()) << answer;
  for (const auto& c : lines) EXPECT_NE(c.find(" 127.0.0.1 "), std::string::npos) << c;
  EXPECT_EQ(ingest_->frames(), 0u);
}

// A publisher in this process: a test pattern encoded to H.264 and sent by a webrtcbin with ICE
// on 127.0.0.1, as a WHIP client would.
class Publisher {
 public:
  // `drop_probability`: the share of RTP packets lost between the payloader and webrtcbin, so
  // neither NACK nor RTX can bring them back (the sender never stored them).
  explicit Publisher(int gop, double drop_probability = 0) : pipeline_(gst_pipeline_new(nullptr)) {
    GError* err = nullptr;
    const std::string description =
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
        "openh264enc gop-size=" +
        std::to_string(gop) +
        " ! h264parse ! "
        "rtph264pay config-interval=-1 pt=102 aggregate-mode=zero-latency ! "
        "identity drop-probability=" +
        std::to_string(drop_probability) +
        " ! "
        "capsfilter caps=\"application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000\"";
    GstElement* source = gst_parse_bin_from_description(description.c_str(), TRUE, &err);
    if (source == nullptr) {
      error_ = std::string("no encoder: ") + (err != nullptr ? err->message : "?");
      if (err != nullptr) g_error_free(err);
      return;
    }
    gst_bin_add(GST_BIN(pipeline_), source);
    auto added = add_webrtcbin(pipeline_, kLoopback, 0);
    if (!added) {
      error_ = added.error().what;
      return;
    }
    webrtc_ = *added;
    if (gst_element_link(source, webrtc_) == FALSE) error_ = "cannot link the encoder to webrtcbin";
    if (error_.empty() && gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      error_ = "publisher does not start";
    }
  }
  ~Publisher() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] GstElement* webrtc() const { return webrtc_; }

 private:
  GstElement* pipeline_;
  GstElement* webrtc_ = nullptr;
  std::string error_;
};

TEST_F(WhipIngestTest, APublishersH264ArrivesAsAvcAccessUnitsWithItsConfiguration) {
  if (!test::have_openh264_encoder()) GTEST_SKIP() << "openh264enc not installed (gstreamer1.0-plugins-bad)";
  Publisher publisher(30);
  ASSERT_EQ(publisher.error(), "");
  const std::string sdp = test::create_offer(publisher.webrtc());
  auto offer = check_offer(sdp, OfferRole::kPublish, true);
  ASSERT_TRUE(offer) << offer.error().what << "\n" << sdp;
  ASSERT_TRUE(create(*offer));
  ASSERT_TRUE(test::apply_answer(publisher.webrtc(), ingest_->answer()));
  ASSERT_TRUE(keyframes_within(1, 10s))
      << "no keyframe from the publisher in 10 s; " << ingest_->frames() << " frames\n"
      << ingest_->answer();
  std::lock_guard lock(mu_);
  const auto key =
      std::find_if(frames_.begin(), frames_.end(), [](const IngestFrame& f) { return f.keyframe; });
  ASSERT_NE(key, frames_.end());
  EXPECT_EQ(key->kind, media::StreamKind::kVideo);
  ASSERT_GE(key->config.size(), 7u) << "no avcC with the keyframe";
  EXPECT_EQ(key->config[0], 1) << "avcC version";
  EXPECT_EQ(key->width, 320);
  EXPECT_EQ(key->height, 240);
  for (const auto& f : frames_) {
    EXPECT_TRUE(is_length_prefixed(f.data)) << "a frame of " << f.data.size() << " bytes is not AVC";
    EXPECT_GT(f.received_us, 0);
    EXPECT_GE(f.depacketized_us, f.received_us);
  }
  EXPECT_GE(ingest_->frames(), frames_.size());
  EXPECT_TRUE(ends_.empty()) << ends_.front();
}

// With keyframes far apart on their own, a second one within seconds is the publisher answering
// the gateway's request (PLI or FIR over RTCP).
TEST_F(WhipIngestTest, AKeyframeRequestReachesThePublisher) {
  if (!test::have_openh264_encoder()) GTEST_SKIP() << "openh264enc not installed (gstreamer1.0-plugins-bad)";
  Publisher publisher(100000);
  ASSERT_EQ(publisher.error(), "");
  auto offer = check_offer(test::create_offer(publisher.webrtc()), OfferRole::kPublish, true);
  ASSERT_TRUE(offer) << offer.error().what;
  ASSERT_TRUE(create(*offer));
  ASSERT_TRUE(test::apply_answer(publisher.webrtc(), ingest_->answer()));
  ASSERT_TRUE(keyframes_within(1, 10s)) << "no first keyframe in 10 s";
  ingest_->request_keyframe();
  EXPECT_TRUE(keyframes_within(2, 5s)) << "the publisher sent no keyframe in 5 s after the request";
}

// Packets lost for good on the way in: the ingest hands on no frame that refers to what was
// lost (after a gap in the frames, the next one is a keyframe) and asks for keyframes, so the
// video goes on, here with keyframes only where it asked for them. Its times are the sender's:
// every frame a whole number of frame intervals after the one before (the jitter buffer's own
// times bunch the first second's frames and leave some with none).
TEST_F(WhipIngestTest, AfterPacketsAreLostTheVideoResumesAtAKeyframeItAskedFor) {
  if (!test::have_openh264_encoder()) GTEST_SKIP() << "openh264enc not installed (gstreamer1.0-plugins-bad)";
  Publisher publisher(100000, 0.03);
  ASSERT_EQ(publisher.error(), "");
  auto offer = check_offer(test::create_offer(publisher.webrtc()), OfferRole::kPublish, true);
  ASSERT_TRUE(offer) << offer.error().what;
  ASSERT_TRUE(create(*offer));
  ASSERT_TRUE(test::apply_answer(publisher.webrtc(), ingest_->answer()));
  ASSERT_TRUE(keyframes_within(4, 20s))
      << "fewer than 4 keyframes in 20 s under 3% loss; " << ingest_->frames() << " frames";
  std::lock_guard lock(mu_);
  constexpr std::uint64_t kFrameNs = 1'000'000'000 / 30;
  std::size_t gaps = 0;
  const IngestFrame* previous = nullptr;
  for (const auto& f : frames_) {
    if (f.kind != media::StreamKind::kVideo) continue;
    EXPECT_TRUE(is_length_prefixed(f.data)) << "a frame of " << f.data.size() << " bytes is not AVC";
    if (previous == nullptr) {
      EXPECT_TRUE(f.keyframe) << "the first frame handed on is no keyframe";
      previous = &f;
      continue;
    }
    ASSERT_GT(f.pts_ns, previous->pts_ns) << "frame times do not increase";
    const std::uint64_t step = f.pts_ns - previous->pts_ns;
    const std::uint64_t frames = (step + kFrameNs / 2) / kFrameNs;
    EXPECT_LT(step > frames * kFrameNs ? step - frames * kFrameNs : frames * kFrameNs - step, 1'000'000u)
        << "a frame " << step << " ns after the one before it: not the sender's 30 fps";
    if (frames > 1) {
      ++gaps;
      EXPECT_TRUE(f.keyframe) << "a frame " << step / 1'000'000
                              << " ms after the one before it is no keyframe: it refers to what was lost";
    }
    previous = &f;
  }
  EXPECT_GE(gaps, 1u) << "no frame was lost: the test saw no loss to recover from";
  EXPECT_TRUE(ends_.empty()) << ends_.front();
}

}  // namespace
}  // namespace kinetic::webrtc
