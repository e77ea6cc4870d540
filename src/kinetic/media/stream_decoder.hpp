// Decodes a live elementary stream one coded frame at a time, as a player receives them from
// the network (LOC objects), rather than from a file: the decoder is configured from what the
// catalog says (codec, init data) and pictures come out with the pts the frame carried.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/media/ffmpeg_decoder.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::media {

class StreamDecoder {
 public:
  // `stream` names the codec (codec_id) and carries its init data (extradata, e.g. avcC).
  // Video comes out as YUV 4:2:0 at the coded size rounded down to even; audio as 16-bit
  // interleaved PCM at `audio_rate` Hz with `audio_channels` channels.
  static Result<std::unique_ptr<StreamDecoder>> open(const StreamInfo& stream, int audio_rate = 48000,
                                                           int audio_channels = 1);
  ~StreamDecoder();
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  // Sends one coded frame and returns the pictures it completed (none while the decoder
  // holds reordered frames; a damaged frame is an error the caller may log and go on from).
  Result<std::vector<YuvPicture>> decode_video(std::span<const std::uint8_t> frame, std::int64_t pts_us);
  // Sends one coded audio frame and returns the samples it completed.
  Result<std::vector<std::int16_t>> decode_audio(std::span<const std::uint8_t> frame, std::int64_t pts_us);
  // Forgets reference frames, e.g. after a gap, so the next keyframe starts clean.
  void flush();

  [[nodiscard]] StreamKind kind() const noexcept;

  struct Impl;

 private:
  explicit StreamDecoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kinetic::media
