// Driving a webrtcbin from a test as a WebRTC client would: make an offer and apply it locally,
// apply the answer that came back. Bounded: webrtcbin answers its promises on its own thread
// within milliseconds, and a promise it drops is an interrupt, not a hang.
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <string>

namespace kinetic::test {

// create-offer, then set-local-description with it; "" when webrtcbin made none.
inline std::string create_offer(GstElement* webrtc) {
  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc, "create-offer", nullptr, p);
  GstWebRTCSessionDescription* offer = nullptr;
  if (gst_promise_wait(p) == GST_PROMISE_RESULT_REPLIED && gst_promise_get_reply(p) != nullptr) {
    gst_structure_get(gst_promise_get_reply(p), "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer,
                      nullptr);
  }
  gst_promise_unref(p);
  if (offer == nullptr) return {};
  p = gst_promise_new();
  g_signal_emit_by_name(webrtc, "set-local-description", offer, p);
  gst_promise_wait(p);
  gst_promise_unref(p);
  gchar* text = gst_sdp_message_as_text(offer->sdp);
  std::string out(text);
  g_free(text);
  gst_webrtc_session_description_free(offer);
  return out;
}

// set-remote-description with `sdp` as the answer; false when it does not parse or is dropped.
inline bool apply_answer(GstElement* webrtc, const std::string& sdp) {
  GstSDPMessage* msg = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &msg) != GST_SDP_OK) return false;
  GstWebRTCSessionDescription* answer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc, "set-remote-description", answer, p);
  const bool replied = gst_promise_wait(p) == GST_PROMISE_RESULT_REPLIED;
  gst_promise_unref(p);
  gst_webrtc_session_description_free(answer);
  return replied;
}

}  // namespace kinetic::test
