// Fragmented MP4 (CMAF) input through libavformat. A file is opened by path; a pipe (stdin,
// or ffmpeg's `-f mp4 -movflags cmaf+frag_keyframe+empty_moov -`) is read through our own
// AVIOContext over the descriptor, because a pipe cannot seek and must be read as it grows.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/base/result.hpp"

struct AVFormatContext;
struct AVIOContext;
struct AVPacket;

namespace kinetic::media {

enum class StreamKind : std::uint8_t { kVideo, kAudio };

// What a decoder or a muxer needs to know about one elementary stream.
struct StreamInfo {
  int index = 0;
  StreamKind kind = StreamKind::kVideo;
  std::string codec_name;             // FFmpeg's short name ("h264", "aac", "opus")
  int codec_id = 0;                   // AVCodecID
  std::string extradata;              // e.g. the avcC record for H.264
  std::uint32_t timescale = 0;        // time-base denominator (ticks per second)
  std::uint32_t timescale_num = 1;    // time-base numerator (1 for MP4)
  int width = 0;
  int height = 0;
  int sample_rate = 0;
  int channels = 0;
  double framerate = 0;               // average, 0 when unknown
  std::int64_t bit_rate = 0;
};

// One coded frame in its stream's time base.
struct Packet {
  int stream_index = 0;
  std::int64_t pts = 0;
  std::int64_t dts = 0;
  std::int64_t duration = 0;
  bool keyframe = false;
  std::vector<std::uint8_t> data;
};

class CmafDemuxer {
 public:
  ~CmafDemuxer();
  CmafDemuxer(const CmafDemuxer&) = delete;
  CmafDemuxer& operator=(const CmafDemuxer&) = delete;

  static Result<std::unique_ptr<CmafDemuxer>> open_file(const std::string& path);
  // Reads from a descriptor it does not own (0 for stdin); "-" in the tools.
  static Result<std::unique_ptr<CmafDemuxer>> open_fd(int fd);

  [[nodiscard]] const std::vector<StreamInfo>& streams() const noexcept { return streams_; }
  // The next packet of a video or audio stream; nullopt at the end of the input.
  Result<std::optional<Packet>> next();

 private:
  CmafDemuxer() = default;
  Status finish_open();
  static int read_fd(void* opaque, std::uint8_t* buf, int size);

  AVFormatContext* fmt_ = nullptr;
  AVIOContext* io_ = nullptr;
  AVPacket* pkt_ = nullptr;
  int fd_ = -1;
  std::vector<StreamInfo> streams_;
};

}  // namespace kinetic::media
