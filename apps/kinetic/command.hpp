// Subcommands register themselves here from their own cmd_*.cpp file, so adding a
// subcommand never touches main.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace kinetic::app {

struct Command {
  CLI::App* sub;             // the subcommand added to the app
  std::function<int()> run;  // runs it after parsing; returns the exit code
};

using CommandSetup = std::function<Command(CLI::App& app)>;

struct CommandRegistry {
  static std::vector<CommandSetup>& all() {
    static std::vector<CommandSetup> commands;
    return commands;
  }
};

struct RegisterCommand {
  explicit RegisterCommand(CommandSetup setup) { CommandRegistry::all().push_back(std::move(setup)); }
};

}  // namespace kinetic::app
