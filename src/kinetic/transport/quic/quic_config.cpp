#include "kinetic/transport/quic/quic_config.hpp"

#include "kinetic/wire/version.hpp"

namespace kinetic::transport::quic {

std::vector<std::string> default_alpn() {
  std::vector<std::string> out;
  for (auto v : wire::kSupportedVersions) out.emplace_back(wire::alpn(v));
  out.emplace_back("h3");
  return out;
}

}  // namespace kinetic::transport::quic
