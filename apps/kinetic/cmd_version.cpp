// `kinetic versions`: the MoQT drafts this build speaks, one ALPN per line, for scripts.
#include <iostream>

#include "command.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::app::cmd_version {
namespace {

const kinetic::app::RegisterCommand kRegister([](CLI::App& app) {
  auto* sub = app.add_subcommand("versions", "Print the MoQT ALPN tokens this build speaks, newest first");
  return kinetic::app::Command{sub, [] {
    for (auto v : kinetic::wire::kSupportedVersions) std::cout << kinetic::wire::alpn(v) << "\n";
    return 0;
  }};
});

}  // namespace
}  // namespace kinetic::app::cmd_version
