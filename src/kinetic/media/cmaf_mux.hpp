// Fragmented MP4 (CMAF) output through libavformat: an empty moov, then one fragment per
// keyframe, so that the bytes can be piped into ffplay or ffprobe while they are written.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/base/result.hpp"

struct AVFormatContext;
struct AVPacket;

namespace kinetic::media {

class CmafMuxer {
 public:
  ~CmafMuxer();
  CmafMuxer(const CmafMuxer&) = delete;
  CmafMuxer& operator=(const CmafMuxer&) = delete;

  // `path` "-" writes to stdout. One output stream per entry of `streams`, in that order;
  // write() takes the position in `streams`, not StreamInfo::index.
  static Result<std::unique_ptr<CmafMuxer>> open(const std::string& path, const std::vector<StreamInfo>& streams);

  // `packet` timestamps are in streams[stream].timescale units.
  Status write(std::size_t stream, const Packet& packet);
  // Flushes the last fragment; further writes fail.
  Status finish();
  [[nodiscard]] std::uint64_t packets_written() const noexcept { return written_; }

 private:
  CmafMuxer() = default;
  AVFormatContext* fmt_ = nullptr;
  AVPacket* pkt_ = nullptr;
  std::vector<StreamInfo> streams_;
  std::vector<std::int64_t> last_dts_;
  bool header_written_ = false;
  bool finished_ = false;
  std::uint64_t written_ = 0;
};

}  // namespace kinetic::media
