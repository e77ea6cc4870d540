// The webrtcbin parts WHIP and WHEP share, with two webrtcbin peers in this process over
// loopback ICE: the answer holds every candidate (the gateway takes no trickle), only on the
// scope's addresses, and is enough for the offerer to connect; a pipeline's end is reported
// once, on the GLib thread, and never by a watch that is gone.
#include "kinetic/webrtc/webrtc_peer.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "sdp_text.hpp"
#include "webrtcbin_driver.hpp"

namespace kinetic::webrtc {
namespace {

using namespace std::chrono_literals;

const IceScope kLoopback{{"127.0.0.1"}};
const std::string kH264Caps = "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=102";

// A pipeline holding one webrtcbin with ICE on 127.0.0.1 and a video transceiver; PLAYING.
class Peer {
 public:
  explicit Peer(GstWebRTCRTPTransceiverDirection direction) : pipeline_(gst_pipeline_new(nullptr)) {
    auto added = add_webrtcbin(pipeline_, kLoopback, 0);
    if (!added) {
      error_ = added.error().what;
      return;
    }
    webrtc_ = *added;
    GstWebRTCRTPTransceiver* t = add_transceiver(webrtc_, direction, kH264Caps, true);
    if (t == nullptr) {
      error_ = "no transceiver";
      return;
    }
    gst_object_unref(t);
    g_signal_connect(webrtc_, "notify::ice-connection-state", G_CALLBACK(on_ice), this);
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      error_ = "not playing";
  }
  ~Peer() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    if (webrtc_ != nullptr) g_signal_handlers_disconnect_by_data(webrtc_, this);
    gst_object_unref(pipeline_);
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] GstElement* webrtc() const { return webrtc_; }

  std::string offer() { return test::create_offer(webrtc_); }
  bool take_answer(const std::string& sdp) { return test::apply_answer(webrtc_, sdp); }

  // Whether ICE reached connected (or completed) within `limit`.
  bool connected_within(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return connected_; });
  }

 private:
  static void on_ice(GstElement* webrtc, GParamSpec*, gpointer data) {
    auto* self = static_cast<Peer*>(data);
    GstWebRTCICEConnectionState state = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
    g_object_get(webrtc, "ice-connection-state", &state, nullptr);
    if (state != GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED &&
        state != GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED) {
      return;
    }
    std::lock_guard lock(self->mu_);
    self->connected_ = true;
    self->cv_.notify_all();
  }

  GstElement* pipeline_ = nullptr;
  GstElement* webrtc_ = nullptr;
  std::string error_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool connected_ = false;
};

class WebrtcPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const Done ready = init_gstreamer(); !ready) GTEST_SKIP() << ready.error().what;
  }
};

// Nothing here binds or sends to the non-loopback address: it only classifies the text.
TEST(IceScope, IsLoopbackOnlyWhenEveryAddressIs) {
  EXPECT_FALSE(IceScope{}.loopback_only()) << "no addresses: every interface";
  EXPECT_TRUE((IceScope{{"127.0.0.1"}}.loopback_only()));
  EXPECT_TRUE((IceScope{{"127.0.0.1", "::1"}}.loopback_only()));
  EXPECT_FALSE((IceScope{{"127.0.0.1", "192.0.2.1"}}.loopback_only()));
}

TEST_F(WebrtcPeer, AnUnusableIceAddressIsTheCallersFault) {
  GstElement* pipeline = gst_pipeline_new(nullptr);
  auto added = add_webrtcbin(pipeline, IceScope{{"not-an-address"}}, 0);
  ASSERT_FALSE(added) << "webrtcbin made with an ICE address that is not one";
  EXPECT_TRUE(added.error().client_fault);
  EXPECT_EQ(added.error().what, "ICE address not-an-address is not usable");
  EXPECT_EQ(GST_BIN_NUMCHILDREN(GST_BIN(pipeline)), 0) << "the refused webrtcbin stayed in the pipeline";
  gst_object_unref(pipeline);
}

TEST_F(WebrtcPeer, TheAnswerHoldsEveryCandidateAndIsEnoughToConnect) {
  Peer offerer(GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY);
  ASSERT_EQ(offerer.error(), "");
  Peer answerer(GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY);
  ASSERT_EQ(answerer.error(), "");
  const std::string offer = offerer.offer();
  ASSERT_FALSE(offer.empty()) << "the offering webrtcbin made no offer";
  auto answer = answer_offer(answerer.webrtc(), offer, 5000);
  ASSERT_TRUE(answer) << answer.error().what;
  const auto lines = test::sdp_candidates(*answer);
  ASSERT_FALSE(lines.empty()) << "an answer without candidates needs trickle ICE:\n" << *answer;
  for (const auto& c : lines) {
    EXPECT_NE(c.find(" 127.0.0.1 "), std::string::npos) << "a candidate outside the ICE scope: " << c;
    EXPECT_NE(test::lower(c).find(" udp "), std::string::npos) << "not UDP: " << c;
  }
  EXPECT_NE(answer->find("a=recvonly"), std::string::npos) << *answer;
  // Only the answer travels to the offerer: no candidate is trickled either way.
  ASSERT_TRUE(offerer.take_answer(*answer));
  EXPECT_TRUE(offerer.connected_within(8000ms)) << "the offerer did not connect with the answer's candidates";
  EXPECT_TRUE(answerer.connected_within(8000ms)) << "the answerer did not connect";
}

TEST_F(WebrtcPeer, AFailureBetweenOfferAndAnswerIsReturnedAsItIs) {
  Peer offerer(GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY);
  ASSERT_EQ(offerer.error(), "");
  Peer answerer(GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY);
  ASSERT_EQ(answerer.error(), "");
  const std::string offer = offerer.offer();
  ASSERT_FALSE(offer.empty());
  bool called = false;
  auto answer = answer_offer(answerer.webrtc(), offer, 5000, [&]() -> Done {
    called = true;
    return internal("no sender for the offer");
  });
  EXPECT_TRUE(called);
  ASSERT_FALSE(answer) << "answered although the sender could not be attached";
  EXPECT_EQ(answer.error().what, "no sender for the offer");
  EXPECT_FALSE(answer.error().client_fault);
}

// A pipeline with a webrtcbin for the watch to follow, and the watch's reports.
class Watched : public WebrtcPeer {
 protected:
  void SetUp() override {
    WebrtcPeer::SetUp();
    if (IsSkipped()) return;
    pipeline_ = gst_pipeline_new(nullptr);
    auto added = add_webrtcbin(pipeline_, kLoopback, 0);
    ASSERT_TRUE(added) << added.error().what;
    webrtc_ = *added;
  }
  void TearDown() override {
    if (watch_) glib_.run_sync([this] { watch_.reset(); });
    if (pipeline_ != nullptr) gst_object_unref(pipeline_);
  }

  void watch() {
    watch_ = std::make_unique<PipelineWatch>(pipeline_, webrtc_, glib_, [this](std::string reason) {
      std::lock_guard lock(mu_);
      reports_.push_back(reason);
      on_glib_ = on_glib_ && glib_.on_thread();
      cv_.notify_all();
    });
  }

  void post(GstMessage* msg) {
    GstBus* bus = gst_element_get_bus(pipeline_);
    gst_bus_post(bus, msg);
    gst_object_unref(bus);
  }

  GstMessage* error(const char* text) {
    GError* err = g_error_new_literal(GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, text);
    GstMessage* msg = gst_message_new_error(GST_OBJECT(webrtc_), err, nullptr);
    g_error_free(err);
    return msg;
  }

  // Until the bus has handed every message to the watch and what that posted has run.
  void settle() {
    GstBus* bus = gst_element_get_bus(pipeline_);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    bool pending = true;
    while (pending && std::chrono::steady_clock::now() < deadline) {
      glib_.run_sync([&] { pending = gst_bus_have_pending(bus) != FALSE; });
    }
    gst_object_unref(bus);
    glib_.run_sync([] {});
    EXPECT_FALSE(pending) << "the watch left messages on the bus for 5 s";
  }

  std::vector<std::string> reports() {
    std::lock_guard lock(mu_);
    return reports_;
  }

  bool first_report_within(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return !reports_.empty(); });
  }

  GlibThread glib_;
  GstElement* pipeline_ = nullptr;
  GstElement* webrtc_ = nullptr;
  std::unique_ptr<PipelineWatch> watch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> reports_;
  bool on_glib_ = true;
};

TEST_F(Watched, ThePipelinesFirstErrorIsReportedOnceOnTheGlibThread) {
  watch();
  post(error("first failure"));
  post(error("second failure"));
  post(gst_message_new_eos(GST_OBJECT(pipeline_)));
  ASSERT_TRUE(first_report_within(5000ms)) << "no report of a pipeline error in 5 s";
  settle();
  EXPECT_EQ(reports(), std::vector<std::string>{"pipeline error: first failure"});
  std::lock_guard lock(mu_);
  EXPECT_TRUE(on_glib_);
}

TEST_F(Watched, EndOfStreamIsReported) {
  watch();
  post(gst_message_new_eos(GST_OBJECT(pipeline_)));
  ASSERT_TRUE(first_report_within(5000ms)) << "no report of end of stream in 5 s";
  EXPECT_EQ(reports(), std::vector<std::string>{"end of stream"});
}

// The watch has already taken the error off the bus and its report waits to run on the GLib
// thread when the owner destroys the watch: the report must be dropped, not delivered to an
// owner that is ending.
TEST_F(Watched, AReportStillOnItsWayWhenTheWatchGoesIsDropped) {
  watch();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // Holds the GLib thread so that the bus message and the destruction are ready together: the
  // bus (default priority) goes first and posts its report behind the destruction (idle).
  glib_.post([released] { (void)released.wait_for(5s); });
  post(error("late failure"));
  glib_.post([this] { watch_.reset(); });
  release.set_value();
  glib_.run_sync([] {});
  glib_.run_sync([] {});
  EXPECT_FALSE(watch_) << "the destruction did not run";
  EXPECT_TRUE(reports().empty()) << reports().front();
}

}  // namespace
}  // namespace kinetic::webrtc
