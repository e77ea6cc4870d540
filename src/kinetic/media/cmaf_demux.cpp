#include "kinetic/media/cmaf_demux.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mem.h>
}

#include <unistd.h>

#include <cerrno>

namespace kinetic::media {

namespace {
constexpr int kIoBufferSize = 64 * 1024;
Error media_error(const char* what) { return {Errc::kInvalidValue, what}; }
}  // namespace

CmafDemuxer::~CmafDemuxer() {
  av_packet_free(&pkt_);
  avformat_close_input(&fmt_);
  if (io_ != nullptr) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
}

int CmafDemuxer::read_fd(void* opaque, std::uint8_t* buf, int size) {
  auto* self = static_cast<CmafDemuxer*>(opaque);
  for (;;) {
    const ssize_t n = ::read(self->fd_, buf, static_cast<std::size_t>(size));
    if (n > 0) return static_cast<int>(n);
    if (n == 0) return AVERROR_EOF;
    if (errno != EINTR) return AVERROR(errno);
  }
}

Result<std::unique_ptr<CmafDemuxer>> CmafDemuxer::open_file(const std::string& path) {
  std::unique_ptr<CmafDemuxer> d(new CmafDemuxer());
  if (avformat_open_input(&d->fmt_, path.c_str(), nullptr, nullptr) < 0) return media_error("cannot open media file");
  KINETIC_CHECK(d->finish_open());
  return d;
}

Result<std::unique_ptr<CmafDemuxer>> CmafDemuxer::open_fd(int fd) {
  std::unique_ptr<CmafDemuxer> d(new CmafDemuxer());
  d->fd_ = fd;
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kIoBufferSize));
  if (buffer == nullptr) return media_error("out of memory");
  d->io_ = avio_alloc_context(buffer, kIoBufferSize, 0, d.get(), &CmafDemuxer::read_fd, nullptr, nullptr);
  if (d->io_ == nullptr) {
    av_free(buffer);
    return media_error("out of memory");
  }
  d->io_->seekable = 0;
  d->fmt_ = avformat_alloc_context();
  if (d->fmt_ == nullptr) return media_error("out of memory");
  d->fmt_->pb = d->io_;
  d->fmt_->flags |= AVFMT_FLAG_CUSTOM_IO;
  // A pipe must be probed from what it delivers; naming mp4 spares probing a live stream.
  const AVInputFormat* mp4 = av_find_input_format("mp4");
  if (avformat_open_input(&d->fmt_, nullptr, mp4, nullptr) < 0) return media_error("input is not MP4");
  KINETIC_CHECK(d->finish_open());
  return d;
}

Status CmafDemuxer::finish_open() {
  pkt_ = av_packet_alloc();
  if (pkt_ == nullptr) return media_error("out of memory");
  for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
    const AVStream* st = fmt_->streams[i];
    const AVCodecParameters* par = st->codecpar;
    StreamInfo info;
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      info.kind = StreamKind::kVideo;
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      info.kind = StreamKind::kAudio;
    } else {
      continue;
    }
    info.index = static_cast<int>(i);
    info.codec_id = static_cast<int>(par->codec_id);
    info.codec_name = avcodec_get_name(par->codec_id);
    if (par->extradata != nullptr && par->extradata_size > 0) {
      info.extradata.assign(reinterpret_cast<const char*>(par->extradata), static_cast<std::size_t>(par->extradata_size));
    }
    if (st->time_base.num <= 0 || st->time_base.den <= 0) return media_error("stream without a time base");
    info.timescale = static_cast<std::uint32_t>(st->time_base.den);
    info.timescale_num = static_cast<std::uint32_t>(st->time_base.num);
    info.width = par->width;
    info.height = par->height;
    info.sample_rate = par->sample_rate;
    info.channels = par->ch_layout.nb_channels;
    info.bit_rate = par->bit_rate;
    if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0) info.framerate = av_q2d(st->avg_frame_rate);
    streams_.push_back(std::move(info));
  }
  if (streams_.empty()) return media_error("no audio or video stream");
  return ok_status();
}

Result<std::optional<Packet>> CmafDemuxer::next() {
  for (;;) {
    const int rc = av_read_frame(fmt_, pkt_);
    if (rc == AVERROR_EOF) return std::optional<Packet>{};
    if (rc < 0) return media_error("malformed media input");
    const int idx = pkt_->stream_index;
    bool wanted = false;
    for (const auto& s : streams_) wanted = wanted || s.index == idx;
    if (!wanted || pkt_->size <= 0) {
      av_packet_unref(pkt_);
      continue;
    }
    Packet p;
    p.stream_index = idx;
    p.dts = pkt_->dts == AV_NOPTS_VALUE ? pkt_->pts : pkt_->dts;
    p.pts = pkt_->pts == AV_NOPTS_VALUE ? p.dts : pkt_->pts;
    p.duration = pkt_->duration;
    p.keyframe = (pkt_->flags & AV_PKT_FLAG_KEY) != 0;
    p.data.assign(pkt_->data, pkt_->data + pkt_->size);
    av_packet_unref(pkt_);
    if (p.pts == AV_NOPTS_VALUE) return media_error("packet without a timestamp");
    return std::optional<Packet>{std::move(p)};
  }
}

}  // namespace kinetic::media
