// What the @moq/net interop tests share: a `kinetic relay` child process on a free loopback
// port with a fresh certificate, child processes whose stdout+stderr land in a temp file, and
// the RESULT lines of tests/interop/moqnet/run.mjs parsed as JSON.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../../test_ports.hpp"
#include "kinetic/transport/certificate.hpp"

extern char** environ;

namespace kinetic::interop_test::moqnet {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline fs::path harness_dir() { return fs::path(KINETIC_SOURCE_DIR) / "tests" / "interop" / "moqnet"; }

inline std::string chromium_path() {
  const char* env = std::getenv("CHROMIUM");
  return env ? env : "/usr/bin/chromium";
}

inline std::string node_path() {
  for (const char* p : {"/usr/bin/node", "/usr/local/bin/node"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

// Why the browser tests cannot run here, or empty when they can.
inline std::string missing_prerequisite() {
  if (::access(chromium_path().c_str(), X_OK) != 0) return "no Chromium at " + chromium_path() + " (apt-get install chromium)";
  if (node_path().empty()) return "node is not installed";
  const auto modules = harness_dir() / "node_modules";
  for (const char* m : {"@moq/net", "esbuild", "playwright-core"})
    if (!fs::exists(modules / m)) return "no " + (modules / m).string() + ": run `npm ci` in " + harness_dir().string();
  return "";
}

// A child process; its stdout and stderr go to one temp file, read back with output().
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { stop(); }

  bool start(const std::vector<std::string>& args) {
    char path[] = "/tmp/kinetic_moqnet_XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) return false;
    out_path_ = path;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fd);
    if (rc != 0) pid_ = -1;
    return rc == 0;
  }

  // True once the child has exited (then status() is its wait status).
  bool exited() {
    if (pid_ < 0) return true;
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

  // Waits up to `limit`; kills the child when it is still running then. False on timeout.
  bool wait(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!exited()) {
      if (std::chrono::steady_clock::now() >= end) {
        stop();
        return false;
      }
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  // SIGTERM, then SIGKILL if it has not gone within two seconds.
  void stop() {
    if (pid_ < 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && !exited(); ++i) std::this_thread::sleep_for(20ms);
    if (pid_ >= 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
      pid_ = -1;
    }
  }

  [[nodiscard]] bool succeeded() const { return pid_ < 0 && WIFEXITED(status_) && WEXITSTATUS(status_) == 0; }

  [[nodiscard]] std::string output() const {
    std::ifstream in(out_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  void remove_output() {
    if (!out_path_.empty()) ::unlink(out_path_.c_str());
  }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  std::string out_path_;
};

// `kinetic relay` on 127.0.0.1 with a certificate made for this run (ECDSA, short-lived, so
// Chromium takes it through serverCertificateHashes).
class Relay {
 public:
  ~Relay() {
    child_.stop();
    child_.remove_output();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Empty on success, else what went wrong.
  std::string start() {
    auto cert = transport::CertificateKeyPair::generate();
    if (!cert) return std::string("certificate: ") + cert.error().what;
    auto hash = cert->sha256();
    if (!hash) return "certificate hash";
    hash_hex_ = transport::to_hex(*hash);
    char dir[] = "/tmp/kinetic_moqnet_cert_XXXXXX";
    if (::mkdtemp(dir) == nullptr) return "mkdtemp";
    dir_ = dir;
    if (!cert->write(dir_)) return "cannot write the certificate";
    // A port that was free a moment ago can be taken before the relay binds it; try again.
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = static_cast<std::uint16_t>(test::free_port());
      if (port_ == 0) continue;
      if (!child_.start({KINETIC_CLI, "relay", "--listen", "127.0.0.1:" + std::to_string(port_), "--cert",
                         dir_ + "/cert.pem", "--key", dir_ + "/key.pem", "--log-level", "debug"}))
        return "cannot spawn " + std::string(KINETIC_CLI);
      const auto end = std::chrono::steady_clock::now() + 5s;
      while (std::chrono::steady_clock::now() < end) {
        if (child_.output().find("relay listening") != std::string::npos) return "";
        if (child_.exited()) break;
        std::this_thread::sleep_for(20ms);
      }
      child_.stop();
    }
    return "kinetic relay did not start:\n" + child_.output();
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& hash_hex() const { return hash_hex_; }
  [[nodiscard]] std::string webtransport_url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/moq"; }
  [[nodiscard]] std::string moqt_url() const { return "moqt://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string log() const { return child_.output(); }

 private:
  Child child_;
  std::string dir_;
  std::string hash_hex_;
  std::uint16_t port_ = 0;
};

// `kinetic impair` in front of a relay: the browser dials the proxy, which impairs every
// datagram both ways. The proxy picks its own port and says which.
class ImpairProxy {
 public:
  ~ImpairProxy() {
    child_.stop();
    child_.remove_output();
  }
  // Empty on success, else what went wrong. `args`: the impairment (--preset, --seed, ...).
  std::string start(const Relay& relay, const std::vector<std::string>& args) {
    std::vector<std::string> argv{KINETIC_CLI, "impair", "--listen", "127.0.0.1:0", "--to",
                                  "127.0.0.1:" + std::to_string(relay.port())};
    argv.insert(argv.end(), args.begin(), args.end());
    if (!child_.start(argv)) return "cannot spawn " + std::string(KINETIC_CLI);
    const std::string marker = "impair listening on 127.0.0.1:";
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < end) {
      const std::string out = child_.output();
      const auto at = out.find(marker);
      if (at != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::atoi(out.c_str() + at + marker.size()));
        if (port_ != 0) return "";
      }
      if (child_.exited()) break;
      std::this_thread::sleep_for(20ms);
    }
    return "kinetic impair did not start:\n" + child_.output();
  }
  [[nodiscard]] std::string webtransport_url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/moq"; }
  [[nodiscard]] std::string log() const { return child_.output(); }

 private:
  Child child_;
  std::uint16_t port_ = 0;
};

// The argv of one run.mjs invocation against `url` (the relay's, or a proxy's in front of it).
inline std::vector<std::string> runner_args_to(const Relay& relay, const std::string& url, const std::string& protocol,
                                            const std::string& cases,
                                            const nlohmann::json& options = nlohmann::json::object(),
                                            int case_timeout_ms = 10000) {
  return {node_path(),
          (harness_dir() / "run.mjs").string(),
          "--url",
          url,
          "--hash",
          relay.hash_hex(),
          "--protocol",
          protocol,
          "--cases",
          cases,
          "--options",
          options.dump(),
          "--case-timeout-ms",
          std::to_string(case_timeout_ms)};
}

inline std::vector<std::string> runner_args(const Relay& relay, const std::string& protocol, const std::string& cases,
                                            const nlohmann::json& options = nlohmann::json::object(),
                                            int case_timeout_ms = 10000) {
  return runner_args_to(relay, relay.webtransport_url(), protocol, cases, options, case_timeout_ms);
}

// Case name → the JSON the page reported, from "RESULT <case> <json>" lines.
inline std::map<std::string, nlohmann::json> parse_results(const std::string& text) {
  std::map<std::string, nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("RESULT ", 0) != 0) continue;
    const auto space = line.find(' ', 7);
    if (space == std::string::npos) continue;
    auto parsed = nlohmann::json::parse(line.substr(space + 1), nullptr, false);
    if (!parsed.is_discarded()) out[line.substr(7, space - 7)] = std::move(parsed);
  }
  return out;
}

}  // namespace kinetic::interop_test::moqnet
