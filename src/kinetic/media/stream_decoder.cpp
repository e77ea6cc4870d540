#include "kinetic/media/stream_decoder.hpp"

#include <cstring>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include "kinetic/media/ffmpeg_ptr.hpp"

namespace kinetic::media {
namespace {


constexpr AVRational kMicroseconds{1, 1'000'000};

}  // namespace

struct StreamDecoder::Impl {
  StreamKind kind = StreamKind::kVideo;
  ffmpeg::CodecPtr codec;
  ffmpeg::PacketPtr packet{av_packet_alloc()};
  ffmpeg::FramePtr frame{av_frame_alloc()};
  ffmpeg::SwsPtr sws;
  ffmpeg::SwrPtr swr;
  int out_rate = 48000;
  int out_channels = 1;

  Status send(std::span<const std::uint8_t> data, std::int64_t pts_us) {
    if (data.empty()) return Error{Errc::kInvalidValue, "empty frame"};
    if (av_new_packet(packet.get(), static_cast<int>(data.size())) < 0) {
      return Error{Errc::kLimitExceeded, "cannot allocate packet"};
    }
    std::memcpy(packet->data, data.data(), data.size());
    packet->pts = packet->dts = pts_us;
    const int sent = avcodec_send_packet(codec.get(), packet.get());
    av_packet_unref(packet.get());
    if (sent < 0 && sent != AVERROR(EAGAIN)) return Error{Errc::kInvalidValue, "decoder refused the frame"};
    return ok_status();
  }

  // The next decoded frame, or nullptr when the decoder needs more input.
  Result<AVFrame*> receive() {
    av_frame_unref(frame.get());
    const int got = avcodec_receive_frame(codec.get(), frame.get());
    if (got == 0) return frame.get();
    if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return static_cast<AVFrame*>(nullptr);
    return Error{Errc::kInvalidValue, "decoding failed"};
  }

  Result<YuvPicture> picture(const AVFrame& f) {
    if (f.width < 2 || f.height < 2 || f.format < 0) return Error{Errc::kInvalidValue, "decoder gave an empty picture"};
    YuvPicture pic;
    pic.width = f.width & ~1;
    pic.height = f.height & ~1;
    pic.pts_us = f.best_effort_timestamp != AV_NOPTS_VALUE ? f.best_effort_timestamp : f.pts;
    const auto w = static_cast<std::size_t>(pic.width);
    const auto h = static_cast<std::size_t>(pic.height);
    pic.y.resize(w * h);
    pic.u.resize(w / 2 * (h / 2));
    pic.v.resize(w / 2 * (h / 2));
    if (f.format == AV_PIX_FMT_YUV420P || f.format == AV_PIX_FMT_YUVJ420P) {
      // The decoder's own pixels, so what is shown is bit-exact with a file decode.
      auto copy_plane = [](std::uint8_t* dst, int dw, int dh, const std::uint8_t* src, int stride) {
        for (int row = 0; row < dh; ++row) {
          std::memcpy(dst + static_cast<std::size_t>(row) * static_cast<std::size_t>(dw),
                      src + static_cast<std::ptrdiff_t>(row) * stride, static_cast<std::size_t>(dw));
        }
      };
      copy_plane(pic.y.data(), pic.width, pic.height, f.data[0], f.linesize[0]);
      copy_plane(pic.u.data(), pic.width / 2, pic.height / 2, f.data[1], f.linesize[1]);
      copy_plane(pic.v.data(), pic.width / 2, pic.height / 2, f.data[2], f.linesize[2]);
      return pic;
    }
    sws.reset(sws_getCachedContext(sws.release(), f.width, f.height, static_cast<AVPixelFormat>(f.format), pic.width,
                                   pic.height, AV_PIX_FMT_YUV420P, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT,
                                   nullptr, nullptr, nullptr));
    if (!sws) return Error{Errc::kInvalidValue, "cannot convert this pixel format"};
    std::uint8_t* dst[4] = {pic.y.data(), pic.u.data(), pic.v.data(), nullptr};
    const int dst_stride[4] = {pic.width, pic.width / 2, pic.width / 2, 0};
    if (sws_scale(sws.get(), f.data, f.linesize, 0, f.height, dst, dst_stride) <= 0) {
      return Error{Errc::kInvalidValue, "scaling failed"};
    }
    return pic;
  }

  Status append_pcm(const AVFrame& f, std::vector<std::int16_t>& out) {
    if (!swr) {
      AVChannelLayout in_layout{};
      if (f.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || f.ch_layout.nb_channels <= 0) {
        av_channel_layout_default(&in_layout, std::max(1, f.ch_layout.nb_channels));
      } else if (av_channel_layout_copy(&in_layout, &f.ch_layout) < 0) {
        return Error{Errc::kInvalidValue, "bad channel layout"};
      }
      AVChannelLayout out_layout{};
      av_channel_layout_default(&out_layout, out_channels);
      SwrContext* raw = nullptr;
      const int made = swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_S16, out_rate, &in_layout,
                                           static_cast<AVSampleFormat>(f.format), f.sample_rate, 0, nullptr);
      av_channel_layout_uninit(&in_layout);
      av_channel_layout_uninit(&out_layout);
      swr.reset(raw);
      if (made < 0 || !swr || swr_init(swr.get()) < 0) {
        swr.reset();
        return Error{Errc::kInvalidValue, "cannot resample this audio"};
      }
    }
    const int room = swr_get_out_samples(swr.get(), f.nb_samples);
    if (room <= 0) return ok_status();
    const std::size_t base = out.size();
    out.resize(base + static_cast<std::size_t>(room) * static_cast<std::size_t>(out_channels));
    auto* dst = reinterpret_cast<std::uint8_t*>(out.data() + base);
    const int got = swr_convert(swr.get(), &dst, room, const_cast<const std::uint8_t**>(f.extended_data), f.nb_samples);
    if (got < 0) {
      out.resize(base);
      return Error{Errc::kInvalidValue, "resampler failed"};
    }
    out.resize(base + static_cast<std::size_t>(got) * static_cast<std::size_t>(out_channels));
    return ok_status();
  }
};

StreamDecoder::StreamDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamDecoder::~StreamDecoder() = default;

StreamKind StreamDecoder::kind() const noexcept { return impl_->kind; }

Result<std::unique_ptr<StreamDecoder>> StreamDecoder::open(const StreamInfo& stream, int audio_rate,
                                                                 int audio_channels) {
  if (audio_rate < 8000 || audio_rate > 192000 || audio_channels < 1 || audio_channels > 2) {
    return Error{Errc::kInvalidValue, "bad audio output format"};
  }
  const AVCodec* decoder = avcodec_find_decoder(static_cast<AVCodecID>(stream.codec_id));
  if (decoder == nullptr) return Error{Errc::kInvalidValue, "no decoder for this codec"};
  const bool video = decoder->type == AVMEDIA_TYPE_VIDEO;
  if (video != (stream.kind == StreamKind::kVideo) || (!video && decoder->type != AVMEDIA_TYPE_AUDIO)) {
    return Error{Errc::kInvalidValue, "codec does not match the track kind"};
  }
  auto impl = std::make_unique<Impl>();
  impl->kind = stream.kind;
  impl->out_rate = audio_rate;
  impl->out_channels = audio_channels;
  if (!impl->packet || !impl->frame) return Error{Errc::kLimitExceeded, "cannot allocate frame"};
  impl->codec.reset(avcodec_alloc_context3(decoder));
  if (!impl->codec) return Error{Errc::kLimitExceeded, "cannot allocate decoder"};
  AVCodecContext* cc = impl->codec.get();
  if (!stream.extradata.empty()) {
    cc->extradata = static_cast<std::uint8_t*>(av_mallocz(stream.extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (cc->extradata == nullptr) return Error{Errc::kLimitExceeded, "cannot allocate init data"};
    std::memcpy(cc->extradata, stream.extradata.data(), stream.extradata.size());
    cc->extradata_size = static_cast<int>(stream.extradata.size());
  }
  cc->pkt_timebase = kMicroseconds;
  if (video) {
    cc->width = stream.width;
    cc->height = stream.height;
    // A live player shows each picture as soon as it is complete.
    cc->flags |= AV_CODEC_FLAG_LOW_DELAY;
  } else {
    cc->sample_rate = stream.sample_rate;
    if (stream.channels > 0) av_channel_layout_default(&cc->ch_layout, stream.channels);
  }
  // One thread: frame threads would hold pictures back by a frame each, which a player pays in latency.
  cc->thread_count = 1;
  if (avcodec_open2(cc, decoder, nullptr) < 0) return Error{Errc::kInvalidValue, "cannot open decoder"};
  return std::unique_ptr<StreamDecoder>(new StreamDecoder(std::move(impl)));
}

Result<std::vector<YuvPicture>> StreamDecoder::decode_video(std::span<const std::uint8_t> frame,
                                                                  std::int64_t pts_us) {
  if (impl_->kind != StreamKind::kVideo) return Error{Errc::kInvalidValue, "not a video decoder"};
  KINETIC_CHECK(impl_->send(frame, pts_us));
  std::vector<YuvPicture> out;
  for (;;) {
    KINETIC_TRY(AVFrame * f, impl_->receive());
    if (f == nullptr) break;
    KINETIC_TRY(auto pic, impl_->picture(*f));
    out.push_back(std::move(pic));
  }
  return out;
}

Result<std::vector<std::int16_t>> StreamDecoder::decode_audio(std::span<const std::uint8_t> frame,
                                                                    std::int64_t pts_us) {
  if (impl_->kind != StreamKind::kAudio) return Error{Errc::kInvalidValue, "not an audio decoder"};
  KINETIC_CHECK(impl_->send(frame, pts_us));
  std::vector<std::int16_t> out;
  for (;;) {
    KINETIC_TRY(AVFrame * f, impl_->receive());
    if (f == nullptr) break;
    KINETIC_CHECK(impl_->append_pcm(*f, out));
  }
  return out;
}

void StreamDecoder::flush() { avcodec_flush_buffers(impl_->codec.get()); }

}  // namespace kinetic::media
