#include "play_arrivals.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "kinetic/mock/impairment.hpp"

namespace kinetic::app {

kinetic::Result<std::vector<RecordedArrival>> read_arrivals(const std::string& path, const std::string& track) {
  std::ifstream in(path);
  if (!in) return kinetic::Error{kinetic::Errc::kInvalidValue, "cannot read the arrivals log"};
  std::vector<RecordedArrival> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return kinetic::Error{kinetic::Errc::kInvalidValue, "not a kinetic play log"};
    if (j.value("type", "") != "arrival" || j.value("track", "") != track) continue;
    const auto capture = j.value("capture_us", std::int64_t{-1});
    if (capture < 0) continue;  // no capture time: no delay to replay
    out.push_back({j.value("pts_us", std::int64_t{0}), capture, j.value("arrival_us", std::int64_t{0})});
  }
  return out;
}

std::vector<std::int64_t> delays_for_clip(const std::vector<RecordedArrival>& records, std::size_t frames,
                                          std::int64_t interval_us, std::size_t& matched) {
  std::vector<std::int64_t> out(frames, mock::kNeverArrives);
  matched = 0;
  if (frames == 0 || interval_us <= 0) return out;
  const auto n = static_cast<std::int64_t>(frames);
  for (const auto& r : records) {
    std::int64_t i = static_cast<std::int64_t>(std::llround(static_cast<double>(r.pts_us) / static_cast<double>(interval_us))) % n;
    if (i < 0) i += n;
    auto& slot = out[static_cast<std::size_t>(i)];
    if (slot != mock::kNeverArrives) continue;
    slot = r.arrival_us - r.capture_us;
    ++matched;
  }
  return out;
}

}  // namespace kinetic::app
