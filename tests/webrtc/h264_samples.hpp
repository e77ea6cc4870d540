// H.264 that the webrtc tests share: a real decoder configuration and the encoder that makes
// live streams for the tests that need media.
#pragma once

#include <gst/gst.h>

#include <string>

namespace kinetic::test {

// The avcC of a 640x480 Constrained Baseline stream, as openh264enc makes it.
inline const std::string kAvcc(
    "\x01\x42\xc0\x1e\xff\xe1\x00\x0e\x67\x42\xc0\x1e\x8c\x8d\x40\x50\x1e\xd0\x0f\x08\x84\x6a\x01\x00\x04"
    "\x68\xce\x3c\x80",
    29);

// openh264enc comes with gstreamer1.0-plugins-bad, which the gateway needs anyway; a machine
// without it skips the media tests rather than failing them.
inline bool have_openh264_encoder() {
  GstElementFactory* f = gst_element_factory_find("openh264enc");
  if (f == nullptr) return false;
  gst_object_unref(f);
  return true;
}

}  // namespace kinetic::test
