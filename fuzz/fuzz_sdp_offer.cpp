// A WHIP or WHEP offer is the body of an HTTP POST from anyone: checking it either refuses it
// with a reason or gives the offer webrtcbin will see, which must check again to the same
// codecs with nothing left to drop.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kinetic/webrtc/sdp_offer.hpp"

using namespace kinetic::webrtc;

namespace {

bool same(const OfferCodec& a, const OfferCodec& b) {
  return a.payload == b.payload && a.fmtp == b.fmtp && a.channels == b.channels;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const OfferRole role = (data[0] & 1) != 0 ? OfferRole::kPlay : OfferRole::kPublish;
  const bool loopback_only = (data[0] & 2) != 0;
  const std::string_view sdp(reinterpret_cast<const char*>(data + 1), size - 1);

  auto first = check_offer(sdp, role, loopback_only);
  if (!first) return 0;
  bool listed = false;
  for (const auto& c : first->h264_all) listed = listed || same(c, first->h264);
  if (!listed) std::abort();

  auto again = check_offer(first->sdp, role, loopback_only);
  if (!again || again->candidates_dropped != 0 || !same(again->h264, first->h264) ||
      again->has_audio != first->has_audio || again->opus.has_value() != first->opus.has_value() ||
      (first->opus && !same(*again->opus, *first->opus))) {
    std::abort();
  }
  return 0;
}
