// Decodes a media file with the FFmpeg libraries into raw pictures and PCM that the layers
// above can measure and conjecture on. The media layer knows nothing of MOCK, so pictures come
// back as a plain YUV 4:2:0 plane struct; mock converts it to its own Frame.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/base/result.hpp"

namespace kinetic::media {

// 8-bit YUV 4:2:0 with tight planes (stride == width), even width and height.
struct YuvPicture {
  int width = 0;
  int height = 0;
  std::int64_t pts_us = 0;  // presentation time from the container, first picture at its own pts
  std::vector<std::uint8_t> y, u, v;
};

struct VideoDecodeOptions {
  int max_width = 0;        // 0 keeps the source width; otherwise scale down (aspect kept), never up
  int max_frames = 0;       // 0 = no limit
  double max_seconds = 0;   // 0 = no limit; pictures with pts at or past this are not returned
};

struct VideoStreamInfo {
  int source_width = 0;
  int source_height = 0;
  int width = 0;   // output size after scaling and rounding down to even
  int height = 0;
  double fps = 0;  // the stream's average (or nominal) frame rate
  std::string codec;
};

// Pulls pictures one at a time so a long file never has to sit in memory.
class VideoDecoder {
 public:
  static Result<std::unique_ptr<VideoDecoder>> open(const std::string& path,
                                                          const VideoDecodeOptions& options = {});
  ~VideoDecoder();
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;

  [[nodiscard]] const VideoStreamInfo& info() const noexcept;
  // The next picture in display order; nullopt at the end of the stream or of the limits.
  Result<std::optional<YuvPicture>> next();

  struct Impl;

 private:
  explicit VideoDecoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Decodes every picture within the limits.
Result<std::vector<YuvPicture>> decode_video(const std::string& path, const VideoDecodeOptions& options = {},
                                                   VideoStreamInfo* info = nullptr);

struct AudioDecodeOptions {
  int sample_rate = 48000;
  int channels = 1;         // 1 or 2; the source is down- or up-mixed by swresample
  double max_seconds = 0;   // 0 = no limit
};

// Interleaved PCM at the requested rate and channel count.
struct AudioPcm {
  int sample_rate = 0;
  int channels = 0;
  std::vector<float> samples;  // in [-1, 1]

  [[nodiscard]] std::size_t frames() const noexcept {
    return channels > 0 ? samples.size() / static_cast<std::size_t>(channels) : 0;
  }
  // The same samples as 16-bit integers, saturated.
  [[nodiscard]] std::vector<std::int16_t> to_s16() const;
};

// Decodes the file's best audio stream; an error if it has none.
Result<AudioPcm> decode_audio(const std::string& path, const AudioDecodeOptions& options = {});

}  // namespace kinetic::media
