// Reading an SDP answer in the tests of the webrtc layer: its media sections, its candidates.
#pragma once

#include <cctype>
#include <sstream>
#include <string>
#include <vector>

namespace kinetic::test {

// SDP attribute values compare without case (codec names: "OPUS/48000" or "opus/48000").
inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The media section of that kind ("video", "audio"), from its m= line to the next; "" when none.
inline std::string sdp_section(const std::string& sdp, const std::string& kind) {
  const auto at = sdp.find("m=" + kind + " ");
  if (at == std::string::npos) return {};
  const auto next = sdp.find("\nm=", at);
  return sdp.substr(at, next == std::string::npos ? std::string::npos : next - at);
}

// Its a=candidate lines.
inline std::vector<std::string> sdp_candidates(const std::string& sdp) {
  std::vector<std::string> out;
  std::istringstream in(sdp);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("a=candidate:", 0) == 0) out.push_back(line);
  }
  return out;
}

}  // namespace kinetic::test
