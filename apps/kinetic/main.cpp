#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "command.hpp"
#include "kinetic/wire/version.hpp"

namespace {

std::string version_text() {
  std::string text = "kinetic " KINETIC_VERSION "\nMoQT versions (ALPN / WebTransport protocol):\n";
  for (auto v : kinetic::wire::kSupportedVersions) {
    text += "  ";
    text += kinetic::wire::alpn(v);
    text += "  ";
    text += kinetic::wire::version_name(v);
    text += "\n";
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Kinetic: live media over QUIC (MoQT) with conjectural playback (MOCK)", "kinetic"};
  app.set_version_flag("--version", version_text());
  app.require_subcommand(0, 1);

  std::vector<kinetic::app::Command> commands;
  for (auto& setup : kinetic::app::CommandRegistry::all()) commands.push_back(setup(app));

  CLI11_PARSE(app, argc, argv);
  for (auto& command : commands) {
    if (command.sub->parsed()) return command.run();
  }
  std::cout << app.help();
  return 0;
}
