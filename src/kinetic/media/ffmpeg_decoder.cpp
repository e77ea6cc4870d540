#include "kinetic/media/ffmpeg_decoder.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include "kinetic/media/ffmpeg_ptr.hpp"

namespace kinetic::media {
namespace {


using ffmpeg::CodecPtr;
using ffmpeg::FormatPtr;
using ffmpeg::FramePtr;
using ffmpeg::PacketPtr;
using ffmpeg::SwrFreer;
using ffmpeg::SwsFreer;

// Opens `path` and a decoder for its best stream of `type`.
struct OpenStream {
  FormatPtr format;
  CodecPtr codec;
  int stream_index = -1;
};

Result<OpenStream> open_stream(const std::string& path, AVMediaType type) {
  AVFormatContext* raw = nullptr;
  if (avformat_open_input(&raw, path.c_str(), nullptr, nullptr) < 0) {
    return Error{Errc::kInvalidValue, "cannot open media file"};
  }
  OpenStream out;
  out.format.reset(raw);
  if (avformat_find_stream_info(raw, nullptr) < 0) {
    return Error{Errc::kInvalidValue, "cannot read stream info"};
  }
  const AVCodec* decoder = nullptr;
  const int index = av_find_best_stream(raw, type, -1, -1, &decoder, 0);
  if (index < 0 || decoder == nullptr) {
    return Error{Errc::kInvalidValue,
                 type == AVMEDIA_TYPE_VIDEO ? "no decodable video stream" : "no decodable audio stream"};
  }
  out.stream_index = index;
  out.codec.reset(avcodec_alloc_context3(decoder));
  if (!out.codec) return Error{Errc::kLimitExceeded, "cannot allocate decoder"};
  if (avcodec_parameters_to_context(out.codec.get(), raw->streams[index]->codecpar) < 0) {
    return Error{Errc::kInvalidValue, "bad codec parameters"};
  }
  // One decoding thread: frame threading reorders nothing but the machine's cores are shared
  // with the conjecture engine, whose cost is what the evaluation measures.
  out.codec->thread_count = 1;
  out.codec->pkt_timebase = raw->streams[index]->time_base;
  if (avcodec_open2(out.codec.get(), decoder, nullptr) < 0) {
    return Error{Errc::kInvalidValue, "cannot open decoder"};
  }
  return out;
}

// Pumps packets of one stream through its decoder; hands each decoded frame to `sink`, which
// returns false to stop early. Shared by the video and audio paths.
class FramePump {
 public:
  explicit FramePump(OpenStream& s) : s_(s), packet_(av_packet_alloc()), frame_(av_frame_alloc()) {}
  [[nodiscard]] bool allocated() const noexcept { return packet_ && frame_; }

  // Returns the next decoded frame (owned by the pump until the next call), nullptr at the end.
  Result<AVFrame*> next() {
    for (;;) {
      av_frame_unref(frame_.get());
      const int got = avcodec_receive_frame(s_.codec.get(), frame_.get());
      if (got == 0) return frame_.get();
      if (got == AVERROR_EOF) return static_cast<AVFrame*>(nullptr);
      if (got != AVERROR(EAGAIN)) return Error{Errc::kInvalidValue, "decoding failed"};
      if (flushed_) return static_cast<AVFrame*>(nullptr);
      // The decoder wants input.
      for (;;) {
        const int read = av_read_frame(s_.format.get(), packet_.get());
        if (read < 0) {
          avcodec_send_packet(s_.codec.get(), nullptr);
          flushed_ = true;
          break;
        }
        const bool ours = packet_->stream_index == s_.stream_index;
        int sent = 0;
        if (ours) sent = avcodec_send_packet(s_.codec.get(), packet_.get());
        av_packet_unref(packet_.get());
        if (!ours) continue;
        // A damaged packet is skipped as players do; the decoder conceals what it can.
        if (sent == 0 || sent == AVERROR_INVALIDDATA) break;
        return Error{Errc::kInvalidValue, "decoder refused a packet"};
      }
    }
  }

 private:
  OpenStream& s_;
  PacketPtr packet_;
  FramePtr frame_;
  bool flushed_ = false;
};

int even_down(int v) { return v & ~1; }

}  // namespace

struct VideoDecoder::Impl {
  OpenStream stream;
  std::unique_ptr<FramePump> pump;
  VideoDecodeOptions options;
  VideoStreamInfo info;
  std::unique_ptr<SwsContext, SwsFreer> sws;
  int returned = 0;
  std::int64_t first_pts_us = std::numeric_limits<std::int64_t>::min();
  std::int64_t frame_interval_us = 0;
  std::int64_t last_pts_us = std::numeric_limits<std::int64_t>::min();
};

VideoDecoder::VideoDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoDecoder::~VideoDecoder() = default;

const VideoStreamInfo& VideoDecoder::info() const noexcept { return impl_->info; }

Result<std::unique_ptr<VideoDecoder>> VideoDecoder::open(const std::string& path,
                                                               const VideoDecodeOptions& options) {
  if (options.max_width < 0 || options.max_frames < 0 || options.max_seconds < 0 ||
      (options.max_width > 0 && options.max_width < 2)) {
    return Error{Errc::kInvalidValue, "bad decode options"};
  }
  auto impl = std::make_unique<Impl>();
  KINETIC_TRY(impl->stream, open_stream(path, AVMEDIA_TYPE_VIDEO));
  impl->options = options;
  const AVStream* st = impl->stream.format->streams[impl->stream.stream_index];
  const AVCodecContext* cc = impl->stream.codec.get();
  if (cc->width < 2 || cc->height < 2) return Error{Errc::kInvalidValue, "video has no size"};
  auto& info = impl->info;
  info.source_width = cc->width;
  info.source_height = cc->height;
  info.codec = avcodec_get_name(cc->codec_id);
  AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
  info.fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
  if (options.max_width > 0 && cc->width > options.max_width) {
    info.width = even_down(options.max_width);
    const double h = static_cast<double>(cc->height) * info.width / cc->width;
    info.height = std::max(2, even_down(static_cast<int>(std::lround(h))));
  } else {
    info.width = even_down(cc->width);
    info.height = even_down(cc->height);
  }
  impl->frame_interval_us = info.fps > 0 ? static_cast<std::int64_t>(std::llround(1e6 / info.fps)) : 0;
  impl->pump = std::make_unique<FramePump>(impl->stream);
  if (!impl->pump->allocated()) return Error{Errc::kLimitExceeded, "cannot allocate frame"};
  return std::unique_ptr<VideoDecoder>(new VideoDecoder(std::move(impl)));
}

Result<std::optional<YuvPicture>> VideoDecoder::next() {
  Impl& d = *impl_;
  if (d.options.max_frames > 0 && d.returned >= d.options.max_frames) return std::optional<YuvPicture>{};
  KINETIC_TRY(AVFrame * f, d.pump->next());
  if (f == nullptr) return std::optional<YuvPicture>{};
  if (f->width < 2 || f->height < 2 || f->format < 0) return Error{Errc::kInvalidValue, "decoder gave an empty picture"};

  const AVStream* st = d.stream.format->streams[d.stream.stream_index];
  std::int64_t pts_us;
  if (f->best_effort_timestamp != AV_NOPTS_VALUE) {
    pts_us = av_rescale_q(f->best_effort_timestamp, st->time_base, AVRational{1, 1000000});
  } else if (d.last_pts_us != std::numeric_limits<std::int64_t>::min()) {
    pts_us = d.last_pts_us + d.frame_interval_us;
  } else {
    pts_us = 0;
  }
  d.last_pts_us = pts_us;
  if (d.first_pts_us == std::numeric_limits<std::int64_t>::min()) d.first_pts_us = pts_us;
  if (d.options.max_seconds > 0 &&
      static_cast<double>(pts_us - d.first_pts_us) >= d.options.max_seconds * 1e6) {
    return std::optional<YuvPicture>{};
  }

  YuvPicture pic;
  pic.width = d.info.width;
  pic.height = d.info.height;
  pic.pts_us = pts_us;
  const auto w = static_cast<std::size_t>(pic.width);
  const auto h = static_cast<std::size_t>(pic.height);
  pic.y.resize(w * h);
  pic.u.resize(w / 2 * (h / 2));
  pic.v.resize(w / 2 * (h / 2));

  const bool passthrough = f->format == AV_PIX_FMT_YUV420P && f->width >= pic.width && f->height >= pic.height &&
                           even_down(f->width) == pic.width && even_down(f->height) == pic.height;
  if (passthrough) {
    // Copies the decoder's own pixels, so the picture is bit-exact with what FFmpeg decoded.
    auto copy_plane = [](std::uint8_t* dst, int dw, int dh, const std::uint8_t* src, int stride) {
      for (int row = 0; row < dh; ++row) {
        std::memcpy(dst + static_cast<std::size_t>(row) * static_cast<std::size_t>(dw),
                    src + static_cast<std::ptrdiff_t>(row) * stride, static_cast<std::size_t>(dw));
      }
    };
    copy_plane(pic.y.data(), pic.width, pic.height, f->data[0], f->linesize[0]);
    copy_plane(pic.u.data(), pic.width / 2, pic.height / 2, f->data[1], f->linesize[1]);
    copy_plane(pic.v.data(), pic.width / 2, pic.height / 2, f->data[2], f->linesize[2]);
  } else {
    // Bit-exact flags keep scaled pictures identical across CPUs, so results reproduce.
    d.sws.reset(sws_getCachedContext(d.sws.release(), f->width, f->height, static_cast<AVPixelFormat>(f->format),
                                     pic.width, pic.height, AV_PIX_FMT_YUV420P,
                                     SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT, nullptr, nullptr, nullptr));
    if (!d.sws) return Error{Errc::kInvalidValue, "cannot convert this pixel format"};
    std::uint8_t* dst[4] = {pic.y.data(), pic.u.data(), pic.v.data(), nullptr};
    const int dst_stride[4] = {pic.width, pic.width / 2, pic.width / 2, 0};
    if (sws_scale(d.sws.get(), f->data, f->linesize, 0, f->height, dst, dst_stride) <= 0) {
      return Error{Errc::kInvalidValue, "scaling failed"};
    }
  }
  ++d.returned;
  return std::optional<YuvPicture>{std::move(pic)};
}

Result<std::vector<YuvPicture>> decode_video(const std::string& path, const VideoDecodeOptions& options,
                                                   VideoStreamInfo* info) {
  KINETIC_TRY(auto decoder, VideoDecoder::open(path, options));
  if (info != nullptr) *info = decoder->info();
  std::vector<YuvPicture> out;
  for (;;) {
    KINETIC_TRY(auto pic, decoder->next());
    if (!pic) break;
    out.push_back(std::move(*pic));
  }
  return out;
}

std::vector<std::int16_t> AudioPcm::to_s16() const {
  std::vector<std::int16_t> out(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const float s = std::clamp(samples[i], -1.0f, 1.0f);
    out[i] = static_cast<std::int16_t>(std::lrint(s * 32767.0f));
  }
  return out;
}

Result<AudioPcm> decode_audio(const std::string& path, const AudioDecodeOptions& options) {
  if (options.sample_rate < 8000 || options.sample_rate > 192000 || options.channels < 1 || options.channels > 2 ||
      options.max_seconds < 0) {
    return Error{Errc::kInvalidValue, "bad audio decode options"};
  }
  KINETIC_TRY(auto stream, open_stream(path, AVMEDIA_TYPE_AUDIO));
  AVCodecContext* cc = stream.codec.get();
  if (cc->sample_rate <= 0 || cc->ch_layout.nb_channels <= 0) return Error{Errc::kInvalidValue, "audio has no format"};

  AVChannelLayout in_layout{};
  if (cc->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&in_layout, cc->ch_layout.nb_channels);
  } else if (av_channel_layout_copy(&in_layout, &cc->ch_layout) < 0) {
    return Error{Errc::kInvalidValue, "bad channel layout"};
  }
  AVChannelLayout out_layout{};
  av_channel_layout_default(&out_layout, options.channels);
  SwrContext* raw_swr = nullptr;
  const int made = swr_alloc_set_opts2(&raw_swr, &out_layout, AV_SAMPLE_FMT_FLT, options.sample_rate, &in_layout,
                                       cc->sample_fmt, cc->sample_rate, 0, nullptr);
  av_channel_layout_uninit(&in_layout);
  av_channel_layout_uninit(&out_layout);
  std::unique_ptr<SwrContext, SwrFreer> swr(raw_swr);
  if (made < 0 || !swr || swr_init(swr.get()) < 0) return Error{Errc::kInvalidValue, "cannot resample this audio"};

  AudioPcm pcm;
  pcm.sample_rate = options.sample_rate;
  pcm.channels = options.channels;
  const std::size_t limit =
      options.max_seconds > 0
          ? static_cast<std::size_t>(options.max_seconds * options.sample_rate) * static_cast<std::size_t>(options.channels)
          : std::numeric_limits<std::size_t>::max();

  auto convert = [&](const std::uint8_t** in, int in_count) -> Status {
    const int room = swr_get_out_samples(swr.get(), in_count);
    if (room < 0) return Error{Errc::kInvalidValue, "resampler failed"};
    if (room == 0) return ok_status();
    const std::size_t base = pcm.samples.size();
    pcm.samples.resize(base + static_cast<std::size_t>(room) * static_cast<std::size_t>(options.channels));
    auto* dst = reinterpret_cast<std::uint8_t*>(pcm.samples.data() + base);
    const int got = swr_convert(swr.get(), &dst, room, in, in_count);
    if (got < 0) return Error{Errc::kInvalidValue, "resampler failed"};
    pcm.samples.resize(base + static_cast<std::size_t>(got) * static_cast<std::size_t>(options.channels));
    return ok_status();
  };

  FramePump pump(stream);
  if (!pump.allocated()) return Error{Errc::kLimitExceeded, "cannot allocate frame"};
  while (pcm.samples.size() < limit) {
    KINETIC_TRY(AVFrame * f, pump.next());
    if (f == nullptr) break;
    KINETIC_CHECK(convert(const_cast<const std::uint8_t**>(f->extended_data), f->nb_samples));
  }
  if (pcm.samples.size() < limit) KINETIC_CHECK(convert(nullptr, 0));  // drains the resampler's delay
  if (pcm.samples.size() > limit) pcm.samples.resize(limit);
  return pcm;
}

}  // namespace kinetic::media
