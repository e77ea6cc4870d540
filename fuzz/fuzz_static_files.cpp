// A GET target from any browser on the relay's port: whatever it is, the relay answers with a
// file inside --web-root or with nothing. The root holds two files and a symbolic link out of it;
// a file beside the root must never be served.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "kinetic/relay/static_files.hpp"

namespace fs = std::filesystem;
using kinetic::relay::StaticFiles;

namespace {

void write_file(const fs::path& p, std::string_view text) { std::ofstream(p, std::ios::binary) << text; }

const StaticFiles& files() {
  static const std::optional<StaticFiles> served = [] {
    const fs::path base = fs::temp_directory_path() / ("kinetic-fuzz-static-" + std::to_string(::getpid()));
    static const fs::path kept = base;
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(kept, ignored);
    });
    fs::create_directories(base / "root" / "js");
    write_file(base / "secret.txt", "SECRET");
    write_file(base / "root" / "index.html", "INDEX");
    write_file(base / "root" / "js" / "app.js", "APP");
    std::error_code ec;
    fs::create_directory_symlink(base, base / "root" / "up", ec);
    std::optional<StaticFiles> out;
    if (!StaticFiles::open((base / "root").string(), out).empty()) std::abort();
    return out;
  }();
  return *served;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  auto answer = files().get(target);
  if (!answer || answer->status != 200) return 0;
  const std::string_view body(reinterpret_cast<const char*>(answer->body.data()), answer->body.size());
  if (body != "INDEX" && body != "APP") std::abort();
  return 0;
}
