// The parts of a webrtcbin peer that WHIP and WHEP share: the element with ICE restricted to
// the gateway's addresses (host candidates only, UDP only, no STUN or TURN), and the answer to
// a client's offer, made synchronously with every candidate in it. The gateway does not take
// trickled candidates (PATCH is refused, as RFC 9725 allows), so the answer waits for ICE
// gathering to complete; with host candidates only that takes milliseconds.
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kinetic/webrtc/gst_support.hpp"
#include "kinetic/webrtc/outcome.hpp"

namespace kinetic::webrtc {

struct IceScope {
  // Local addresses ICE gathers on; empty: every interface.
  std::vector<std::string> addresses;
  // The remote side's candidates are kept only when loopback (set when `addresses` are).
  [[nodiscard]] bool loopback_only() const;
};

// A webrtcbin in `pipeline` (added to it) named "webrtc", bundling everything on one transport.
Outcome<GstElement*> add_webrtcbin(GstElement* pipeline, const IceScope& scope, unsigned latency_ms);

// A transceiver for one codec of the offer: `direction` as the gateway sees it, payload type and
// format parameters as the client offered them, NACK and keyframe requests (PLI, FIR) on for video.
GstWebRTCRTPTransceiver* add_transceiver(GstElement* webrtc, GstWebRTCRTPTransceiverDirection direction,
                                         const std::string& caps_text, bool video);

// set-remote-description(offer), `after_remote` (where a sender attaches its sources to the
// transceivers the offer made), create-answer, set-local-description(answer), then waits (at
// most `timeout_ms`) for ICE gathering to complete; returns the local description's SDP.
// The pipeline must already be PLAYING.
Outcome<std::string> answer_offer(GstElement* webrtc, const std::string& offer_sdp, unsigned timeout_ms,
                                  const std::function<Done()>& after_remote = {});

// Pipeline errors, end of stream and ICE failure, reported on the GLib thread as `fn(reason)`
// at most once, and never after the watch is destroyed (destroy it before the pipeline).
class PipelineWatch {
 public:
  PipelineWatch(GstElement* pipeline, GstElement* webrtc, GlibThread& glib, std::function<void(std::string)> fn);
  ~PipelineWatch();
  PipelineWatch(const PipelineWatch&) = delete;
  PipelineWatch& operator=(const PipelineWatch&) = delete;

  struct State;

 private:
  std::shared_ptr<State> state_;
  GSource* bus_source_ = nullptr;
  GstElement* webrtc_ = nullptr;
  gulong ice_handler_ = 0;
};

}  // namespace kinetic::webrtc
