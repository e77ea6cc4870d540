// Runs `kinetic` as a child process and reads its TAP 14 output, as the interop runner does.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace kinetic::interop_test {

struct ProcessResult {
  int rc = -1;
  std::string out;
};

inline ProcessResult sh(const std::string& command) {
  ProcessResult r;
  FILE* f = popen((command + " 2>/dev/null").c_str(), "r");
  if (f == nullptr) return r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  int status = pclose(f);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string cli() { return KINETIC_CLI; }

struct TapPoint {
  bool ok = false;
  int number = 0;
  std::string name;
};

struct Tap {
  bool version = false;
  int plan = -1;
  bool bail = false;
  std::vector<TapPoint> points;
};

// Just enough of TAP 14 to hold a client to the interface: version line first, a plan, one
// numbered point per case; YAML blocks and comments are skipped.
inline Tap parse_tap(const std::string& text) {
  Tap tap;
  std::istringstream in(text);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (first) {
      tap.version = line == "TAP version 14";
      first = false;
      continue;
    }
    if (line.rfind("1..", 0) == 0) {
      tap.plan = std::stoi(line.substr(3));
    } else if (line.rfind("Bail out!", 0) == 0) {
      tap.bail = true;
    } else if (line.rfind("ok ", 0) == 0 || line.rfind("not ok ", 0) == 0) {
      TapPoint p;
      p.ok = line.rfind("ok ", 0) == 0;
      auto rest = line.substr(p.ok ? 3 : 7);
      auto dash = rest.find(" - ");
      p.number = std::stoi(rest.substr(0, dash));
      p.name = dash == std::string::npos ? "" : rest.substr(dash + 3);
      tap.points.push_back(p);
    }
  }
  return tap;
}

inline const std::vector<std::string> kCases = {"setup-only",         "announce-only",      "publish-namespace-done",
                                         "subscribe-error",    "announce-subscribe", "subscribe-before-announce"};

}  // namespace kinetic::interop_test
