#include "kinetic/webrtc/sdp_offer.hpp"

#include <gst/sdp/sdp.h>

#include <arpa/inet.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace kinetic::webrtc {

namespace {

Problem refuse(std::string why) { return refused(std::move(why)); }

struct SdpFree {
  void operator()(GstSDPMessage* m) const noexcept { gst_sdp_message_free(m); }
};

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (g_ascii_tolower(s[i]) != g_ascii_tolower(prefix[i])) return false;
  }
  return true;
}

const char* attribute(const GstSDPMessage* msg, const GstSDPMedia* media, const char* key) {
  if (const char* v = gst_sdp_media_get_attribute_val(media, key)) return v;
  return gst_sdp_message_get_attribute_val(msg, key);
}

// "PT NAME/RATE[/CHANNELS]" of `pt`, split; false when the media has no rtpmap for it.
bool rtpmap_of(const GstSDPMedia* media, unsigned pt, std::string& name, unsigned& rate, unsigned& channels) {
  for (guint i = 0;; ++i) {
    const char* v = gst_sdp_media_get_attribute_val_n(media, "rtpmap", i);
    if (v == nullptr) return false;
    char* end = nullptr;
    const unsigned long p = std::strtoul(v, &end, 10);
    if (end == v || p != pt || *end != ' ') continue;
    std::string rest(end + 1);
    const auto slash = rest.find('/');
    name = rest.substr(0, slash);
    rate = 0;
    channels = 1;
    if (slash != std::string::npos) {
      rate = static_cast<unsigned>(std::strtoul(rest.c_str() + slash + 1, &end, 10));
      if (*end == '/') channels = static_cast<unsigned>(std::strtoul(end + 1, nullptr, 10));
    }
    return true;
  }
}

std::string fmtp_of(const GstSDPMedia* media, unsigned pt) {
  for (guint i = 0;; ++i) {
    const char* v = gst_sdp_media_get_attribute_val_n(media, "fmtp", i);
    if (v == nullptr) return {};
    char* end = nullptr;
    const unsigned long p = std::strtoul(v, &end, 10);
    if (end != v && p == pt && *end == ' ') return std::string(end + 1);
  }
}

// The feedback the client offers for payload `pt` (its "a=rtcp-fb:<pt> ..." lines and the "*" ones).
std::vector<std::string> feedback_of(const GstSDPMedia* media, unsigned pt) {
  std::vector<std::string> out;
  for (guint i = 0;; ++i) {
    const char* v = gst_sdp_media_get_attribute_val_n(media, "rtcp-fb", i);
    if (v == nullptr) return out;
    char* end = nullptr;
    const unsigned long p = std::strtoul(v, &end, 10);
    const bool any = v[0] == '*';
    if (any) end = const_cast<char*>(v) + 1;
    if ((any || (end != v && p == pt)) && *end == ' ') out.emplace_back(end + 1);
  }
}

OfferCodec codec_at(const GstSDPMedia* media, unsigned pt, unsigned channels) {
  return {pt, fmtp_of(media, pt), channels, feedback_of(media, pt)};
}

// The first payload of `codec` in the client's order, those `prefer` accepts first.
std::optional<OfferCodec> pick(const GstSDPMedia* media, std::string_view codec, bool (*prefer)(const std::string&)) {
  std::optional<OfferCodec> fallback;
  for (guint i = 0; i < gst_sdp_media_formats_len(media); ++i) {
    const char* fmt = gst_sdp_media_get_format(media, i);
    char* end = nullptr;
    const unsigned long pt = std::strtoul(fmt, &end, 10);
    if (end == fmt || *end != '\0' || pt > 127) continue;
    std::string name;
    unsigned rate = 0;
    unsigned channels = 1;
    if (!rtpmap_of(media, static_cast<unsigned>(pt), name, rate, channels)) continue;
    if (!starts_with_ci(name, codec) || name.size() != codec.size()) continue;
    OfferCodec c = codec_at(media, static_cast<unsigned>(pt), channels);
    if (prefer == nullptr || prefer(c.fmtp)) return c;
    if (!fallback) fallback = c;
  }
  return fallback;
}

std::vector<OfferCodec> all_of(const GstSDPMedia* media, std::string_view codec) {
  std::vector<OfferCodec> out;
  for (guint i = 0; i < gst_sdp_media_formats_len(media); ++i) {
    const char* fmt = gst_sdp_media_get_format(media, i);
    char* end = nullptr;
    const unsigned long pt = std::strtoul(fmt, &end, 10);
    if (end == fmt || *end != '\0' || pt > 127) continue;
    std::string name;
    unsigned rate = 0;
    unsigned channels = 1;
    if (!rtpmap_of(media, static_cast<unsigned>(pt), name, rate, channels)) continue;
    if (starts_with_ci(name, codec) && name.size() == codec.size()) {
      out.push_back(codec_at(media, static_cast<unsigned>(pt), channels));
    }
  }
  return out;
}

bool packetization_mode_1(const std::string& fmtp) { return fmtp.find("packetization-mode=1") != std::string::npos; }

enum class Flow : std::uint8_t { kSend, kReceive, kBoth, kNone };

Flow flow_of(const GstSDPMessage* msg, const GstSDPMedia* media) {
  auto has = [&](const char* key) {
    return gst_sdp_media_get_attribute_val(media, key) != nullptr || gst_sdp_message_get_attribute_val(msg, key) != nullptr;
  };
  if (has("sendonly")) return Flow::kSend;
  if (has("recvonly")) return Flow::kReceive;
  if (has("inactive")) return Flow::kNone;
  return Flow::kBoth;
}

// Drops remote candidates ICE must not try: TCP ones (the gateway gathers UDP only) and, with
// `loopback_only`, any whose address is not loopback. Returns how many went.
std::size_t filter_candidates(GstSDPMedia* media, bool loopback_only) {
  std::size_t dropped = 0;
  for (guint i = gst_sdp_media_attributes_len(media); i-- > 0;) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (a->key == nullptr || std::strcmp(a->key, "candidate") != 0 || a->value == nullptr) continue;
    // foundation component transport priority address port "typ" type ...
    gchar** f = g_strsplit(a->value, " ", 8);
    bool keep = g_strv_length(f) >= 6 && g_ascii_strcasecmp(f[2], "udp") == 0 &&
                (!loopback_only || is_loopback_address(f[4]));
    g_strfreev(f);
    if (!keep) {
      gst_sdp_media_remove_attribute(media, i);
      ++dropped;
    }
  }
  return dropped;
}

}  // namespace

bool is_loopback_address(std::string_view address) {
  const std::string a(address);
  in_addr v4{};
  if (inet_pton(AF_INET, a.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, a.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;  // names (mDNS ".local" included) are not loopback literals
}

Outcome<CheckedOffer> check_offer(std::string_view sdp, OfferRole role, bool loopback_only) {
  if (sdp.empty()) return refuse("empty offer");
  if (sdp.substr(0, 4) != "v=0\r" && sdp.substr(0, 4) != "v=0\n") return refuse("not an SDP offer (no v=0 line first)");
  if (sdp.find('\0') != std::string_view::npos) return refuse("NUL byte in the offer");
  GstSDPMessage* raw = nullptr;
  if (gst_sdp_message_new_from_text(std::string(sdp).c_str(), &raw) != GST_SDP_OK || raw == nullptr) {
    return refuse("SDP does not parse");
  }
  std::unique_ptr<GstSDPMessage, SdpFree> msg(raw);
  // GStreamer's parser takes a later line of a kind over an earlier one and misses none of the
  // session lines it lacks, so "v=0", "v=0o=..." parses with no origin; webrtcbin would get it.
  const char* version = gst_sdp_message_get_version(msg.get());
  if (version == nullptr || std::strcmp(version, "0") != 0) return refuse("SDP version is not 0");
  const GstSDPOrigin* origin = gst_sdp_message_get_origin(msg.get());
  if (origin == nullptr || origin->sess_id == nullptr || origin->addr == nullptr)
    return refuse("offer without an o= line");
  if (gst_sdp_message_get_session_name(msg.get()) == nullptr) return refuse("offer without an s= line");
  if (gst_sdp_message_medias_len(msg.get()) == 0) return refuse("offer has no media (m=) section");

  CheckedOffer out;
  bool have_video = false;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); ++i) {
    auto* media = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(msg.get(), i));
    const char* kind = gst_sdp_media_get_media(media);
    const char* proto = gst_sdp_media_get_proto(media);
    if (kind == nullptr || proto == nullptr) return refuse("m= line without media type or protocol");
    if (gst_sdp_media_get_port(media) == 0) continue;  // rejected or unused section
    const bool is_video = std::strcmp(kind, "video") == 0;
    const bool is_audio = std::strcmp(kind, "audio") == 0;
    if (!is_video && !is_audio) continue;  // data channels and the like are answered as rejected
    if (std::strcmp(proto, "UDP/TLS/RTP/SAVPF") != 0) return refuse(std::string("media over ") + proto + ", not UDP/TLS/RTP/SAVPF");
    if (attribute(msg.get(), media, "ice-ufrag") == nullptr || attribute(msg.get(), media, "ice-pwd") == nullptr) {
      return refuse(std::string(kind) + " section without ice-ufrag / ice-pwd");
    }
    if (attribute(msg.get(), media, "fingerprint") == nullptr) return refuse(std::string(kind) + " section without a DTLS fingerprint");
    const Flow flow = flow_of(msg.get(), media);
    const bool right_way = role == OfferRole::kPublish ? (flow == Flow::kSend || flow == Flow::kBoth)
                                                       : (flow == Flow::kReceive || flow == Flow::kBoth);
    if (is_video && !have_video) {
      auto h264 = pick(media, "H264", packetization_mode_1);
      if (!h264) return refuse("offer has no H.264 video (the gateway forwards H.264 without transcoding)");
      if (!right_way) {
        return refuse(role == OfferRole::kPublish ? "WHIP offer does not send its video" : "WHEP offer does not receive video");
      }
      out.h264 = *h264;
      out.h264_all = all_of(media, "H264");
      out.video_mline = i;
      have_video = true;
    } else if (is_audio && !out.has_audio) {
      out.has_audio = right_way;
      out.audio_mline = i;
      if (right_way) out.opus = pick(media, "opus", nullptr);
    }
    out.candidates_dropped += filter_candidates(media, loopback_only);
  }
  if (!have_video) return refuse("offer has no H.264 video (the gateway forwards H.264 without transcoding)");
  // GStreamer 1.22 writes a media section's i= line without its line end, which would fold the
  // next attribute (often ice-ufrag) into the title; a title means nothing to WebRTC.
  for (guint i = 0; i < gst_sdp_message_medias_len(msg.get()); ++i) {
    gst_sdp_media_set_information(const_cast<GstSDPMedia*>(gst_sdp_message_get_media(msg.get(), i)), nullptr);
  }
  gchar* text = gst_sdp_message_as_text(msg.get());
  out.sdp = text;
  g_free(text);
  return out;
}

}  // namespace kinetic::webrtc
