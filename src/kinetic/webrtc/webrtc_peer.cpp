#include "kinetic/webrtc/webrtc_peer.hpp"

#include <agent.h>
#include <gst/sdp/sdp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "kinetic/webrtc/sdp_offer.hpp"

namespace kinetic::webrtc {

namespace {

Problem failed(std::string why) { return internal(std::move(why)); }

// Waits for a webrtcbin promise and hands back its reply (owned by the promise).
const GstStructure* wait(GstPromise* promise, std::string& error) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) {
    error = "webrtcbin did not answer";
    return nullptr;
  }
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (reply != nullptr && gst_structure_has_field(reply, "error")) {
    GError* err = nullptr;
    gst_structure_get(reply, "error", G_TYPE_ERROR, &err, nullptr);
    error = err != nullptr ? err->message : "webrtcbin refused";
    if (err != nullptr) g_error_free(err);
    return nullptr;
  }
  return reply;
}

struct GatheringWait {
  std::mutex mu;
  std::condition_variable cv;
  bool complete = false;
};

void on_gathering(GstElement* webrtc, GParamSpec*, gpointer data) {
  GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
  g_object_get(webrtc, "ice-gathering-state", &state, nullptr);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return;
  auto* w = static_cast<GatheringWait*>(data);
  std::lock_guard lock(w->mu);
  w->complete = true;
  w->cv.notify_all();
}

}  // namespace

bool IceScope::loopback_only() const {
  if (addresses.empty()) return false;
  for (const auto& a : addresses) {
    if (!is_loopback_address(a)) return false;
  }
  return true;
}

Outcome<GstElement*> add_webrtcbin(GstElement* pipeline, const IceScope& scope, unsigned latency_ms) {
  GstElement* webrtc = gst_element_factory_make("webrtcbin", "webrtc");
  if (webrtc == nullptr) return failed("webrtcbin missing");
  g_object_set(webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", latency_ms, nullptr);
  GstWebRTCICE* ice = nullptr;
  g_object_get(webrtc, "ice-agent", &ice, nullptr);
  if (ice != nullptr) {
    g_object_set(ice, "ice-tcp", FALSE, nullptr);
    // Naming local addresses makes libnice gather on those alone instead of every interface.
    NiceAgent* agent = nullptr;
    g_object_get(ice, "agent", &agent, nullptr);
    if (agent != nullptr) {
      for (const auto& a : scope.addresses) {
        NiceAddress addr;
        nice_address_init(&addr);
        if (nice_address_set_from_string(&addr, a.c_str()) == FALSE || nice_agent_add_local_address(agent, &addr) == FALSE) {
          g_object_unref(agent);
          gst_object_unref(ice);
          gst_object_unref(webrtc);
          return refused("ICE address " + a + " is not usable");
        }
      }
      g_object_unref(agent);
    }
    gst_object_unref(ice);
  }
  if (gst_bin_add(GST_BIN(pipeline), webrtc) == FALSE) {
    gst_object_unref(webrtc);
    return failed("cannot add webrtcbin");
  }
  // Capture times from the sender's RTCP sender reports (NTP ↔ RTP) travel on each buffer.
  if (GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(webrtc), "rtpbin")) {
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(rtpbin), "add-reference-timestamp-meta") != nullptr) {
      g_object_set(rtpbin, "add-reference-timestamp-meta", TRUE, nullptr);
    }
    gst_object_unref(rtpbin);
  }
  return webrtc;
}

GstWebRTCRTPTransceiver* add_transceiver(GstElement* webrtc, GstWebRTCRTPTransceiverDirection direction,
                                         const std::string& caps_text, bool video) {
  GstCaps* caps = gst_caps_from_string(caps_text.c_str());
  if (caps == nullptr) return nullptr;
  GstWebRTCRTPTransceiver* t = nullptr;
  g_signal_emit_by_name(webrtc, "add-transceiver", direction, caps, &t);
  gst_caps_unref(caps);
  if (t != nullptr && video) g_object_set(t, "do-nack", TRUE, nullptr);
  return t;
}

Outcome<std::string> answer_offer(GstElement* webrtc, const std::string& offer_sdp, unsigned timeout_ms,
                                  const std::function<Done()>& after_remote) {
  GstSDPMessage* sdp = nullptr;
  if (gst_sdp_message_new_from_text(offer_sdp.c_str(), &sdp) != GST_SDP_OK) return failed("offer does not parse");
  GstWebRTCSessionDescription* offer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  std::string error;

  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc, "set-remote-description", offer, p);
  const bool remote_ok = wait(p, error) != nullptr || error.empty();
  gst_promise_unref(p);
  gst_webrtc_session_description_free(offer);
  if (!remote_ok) return refused("offer refused: " + error);
  if (after_remote) {
    if (auto attached = after_remote(); !attached) return attached.error();
  }

  p = gst_promise_new();
  g_signal_emit_by_name(webrtc, "create-answer", nullptr, p);
  const GstStructure* reply = wait(p, error);
  GstWebRTCSessionDescription* answer = nullptr;
  if (reply != nullptr) gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
  gst_promise_unref(p);
  if (answer == nullptr) return refused("no answer to the offer: " + error);

  GatheringWait gathering;
  const gulong handler = g_signal_connect(webrtc, "notify::ice-gathering-state", G_CALLBACK(on_gathering), &gathering);
  p = gst_promise_new();
  g_signal_emit_by_name(webrtc, "set-local-description", answer, p);
  const bool local_ok = wait(p, error) != nullptr || error.empty();
  gst_promise_unref(p);
  gst_webrtc_session_description_free(answer);
  if (local_ok) {
    on_gathering(webrtc, nullptr, &gathering);  // it may have completed before the handler
    std::unique_lock lock(gathering.mu);
    gathering.cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return gathering.complete; });
  }
  g_signal_handler_disconnect(webrtc, handler);
  if (!local_ok) return failed("answer not applied: " + error);
  {
    std::lock_guard lock(gathering.mu);
    if (!gathering.complete) return failed("ICE gathering did not complete");
  }
  GstWebRTCSessionDescription* local = nullptr;
  g_object_get(webrtc, "local-description", &local, nullptr);
  if (local == nullptr) return failed("no local description");
  gchar* text = gst_sdp_message_as_text(local->sdp);
  std::string out(text);
  g_free(text);
  gst_webrtc_session_description_free(local);
  return out;
}

struct PipelineWatch::State {
  GlibThread* glib = nullptr;
  std::function<void(std::string)> fn;
  std::atomic<bool> active{true};
  std::atomic<bool> fired{false};

  // Any thread: the reason reaches fn on the GLib thread unless the watch has gone.
  void report(std::shared_ptr<State> self, std::string reason) {
    if (fired.exchange(true)) return;
    glib->post([self = std::move(self), reason = std::move(reason)] {
      if (self->active.load()) self->fn(reason);
    });
  }
};

namespace {

struct BusContext {
  std::shared_ptr<PipelineWatch::State> state;
};

gboolean on_bus(GstBus*, GstMessage* msg, gpointer data) {
  auto& ctx = *static_cast<BusContext*>(data);
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gst_message_parse_error(msg, &err, nullptr);
    ctx.state->report(ctx.state, std::string("pipeline error: ") + (err != nullptr ? err->message : "?"));
    if (err != nullptr) g_error_free(err);
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
    ctx.state->report(ctx.state, "end of stream");
  }
  return G_SOURCE_CONTINUE;
}

void delete_bus_context(gpointer data) { delete static_cast<BusContext*>(data); }

void on_ice_state(GstElement* webrtc, GParamSpec*, gpointer data) {
  GstWebRTCICEConnectionState state = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
  g_object_get(webrtc, "ice-connection-state", &state, nullptr);
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED) {
    auto& ctx = *static_cast<BusContext*>(data);
    ctx.state->report(ctx.state, "ICE failed");
  }
}

}  // namespace

PipelineWatch::PipelineWatch(GstElement* pipeline, GstElement* webrtc, GlibThread& glib,
                             std::function<void(std::string)> fn)
    : state_(std::make_shared<State>()), webrtc_(webrtc) {
  state_->glib = &glib;
  state_->fn = std::move(fn);
  GstBus* bus = gst_element_get_bus(pipeline);
  bus_source_ = gst_bus_create_watch(bus);
  g_source_set_callback(bus_source_, reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(on_bus)),
                        new BusContext{state_}, delete_bus_context);
  g_source_attach(bus_source_, glib.context());
  gst_object_unref(bus);
  ice_handler_ = g_signal_connect_data(webrtc, "notify::ice-connection-state", G_CALLBACK(on_ice_state),
                                       new BusContext{state_},
                                       [](gpointer data, GClosure*) { delete static_cast<BusContext*>(data); },
                                       GConnectFlags{});
}

PipelineWatch::~PipelineWatch() {
  state_->active = false;
  g_signal_handler_disconnect(webrtc_, ice_handler_);
  g_source_destroy(bus_source_);
  g_source_unref(bus_source_);
}

}  // namespace kinetic::webrtc
