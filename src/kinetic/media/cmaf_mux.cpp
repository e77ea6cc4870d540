#include "kinetic/media/cmaf_mux.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/mem.h>
}

#include <cstring>

namespace kinetic::media {

namespace {
Error media_error(const char* what) { return {Errc::kInvalidValue, what}; }
}  // namespace

CmafMuxer::~CmafMuxer() {
  if (header_written_ && !finished_) (void)finish();
  av_packet_free(&pkt_);
  if (fmt_ != nullptr) {
    if (fmt_->pb != nullptr) avio_closep(&fmt_->pb);
    avformat_free_context(fmt_);
  }
}

Result<std::unique_ptr<CmafMuxer>> CmafMuxer::open(const std::string& path, const std::vector<StreamInfo>& streams) {
  if (streams.empty()) return media_error("no stream to write");
  std::unique_ptr<CmafMuxer> m(new CmafMuxer());
  m->streams_ = streams;
  m->last_dts_.assign(streams.size(), INT64_MIN);
  if (avformat_alloc_output_context2(&m->fmt_, nullptr, "mp4", nullptr) < 0 || m->fmt_ == nullptr) {
    return media_error("mp4 muxer unavailable");
  }
  for (const auto& s : streams) {
    if (s.timescale == 0) return media_error("stream without a timescale");
    AVStream* st = avformat_new_stream(m->fmt_, nullptr);
    if (st == nullptr) return media_error("out of memory");
    AVCodecParameters* par = st->codecpar;
    par->codec_type = s.kind == StreamKind::kVideo ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO;
    par->codec_id = static_cast<AVCodecID>(s.codec_id);
    if (par->codec_id == AV_CODEC_ID_NONE) par->codec_id = avcodec_descriptor_get_by_name(s.codec_name.c_str()) != nullptr
        ? avcodec_descriptor_get_by_name(s.codec_name.c_str())->id : AV_CODEC_ID_NONE;
    if (par->codec_id == AV_CODEC_ID_NONE) return media_error("unknown codec");
    if (!s.extradata.empty()) {
      par->extradata = static_cast<std::uint8_t*>(av_mallocz(s.extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
      if (par->extradata == nullptr) return media_error("out of memory");
      std::memcpy(par->extradata, s.extradata.data(), s.extradata.size());
      par->extradata_size = static_cast<int>(s.extradata.size());
    }
    par->width = s.width;
    par->height = s.height;
    par->sample_rate = s.sample_rate;
    if (s.kind == StreamKind::kAudio) av_channel_layout_default(&par->ch_layout, s.channels > 0 ? s.channels : 2);
    st->time_base = AVRational{static_cast<int>(s.timescale_num), static_cast<int>(s.timescale)};
  }
  const std::string url = path == "-" ? "pipe:1" : path;
  if (avio_open(&m->fmt_->pb, url.c_str(), AVIO_FLAG_WRITE) < 0) return media_error("cannot open output");
  AVDictionary* opts = nullptr;
  // Fragments that start at keyframes after an empty moov: what a live player can join.
  av_dict_set(&opts, "movflags", "cmaf+frag_keyframe+empty_moov+default_base_moof", 0);
  const int rc = avformat_write_header(m->fmt_, &opts);
  av_dict_free(&opts);
  if (rc < 0) return media_error("cannot write MP4 header");
  m->header_written_ = true;
  m->pkt_ = av_packet_alloc();
  if (m->pkt_ == nullptr) return media_error("out of memory");
  return m;
}

Status CmafMuxer::write(std::size_t stream, const Packet& packet) {
  if (finished_) return media_error("muxer finished");
  if (stream >= streams_.size()) return media_error("no such output stream");
  if (packet.data.empty()) return media_error("empty packet");
  // The muxer refuses non-increasing DTS; a repeated or late frame (e.g. after a rejoin)
  // is skipped rather than ending the output.
  if (packet.dts <= last_dts_[stream]) return media_error("timestamp not increasing");
  av_packet_unref(pkt_);
  if (av_new_packet(pkt_, static_cast<int>(packet.data.size())) < 0) return media_error("out of memory");
  std::memcpy(pkt_->data, packet.data.data(), packet.data.size());
  pkt_->stream_index = static_cast<int>(stream);
  const AVRational src{static_cast<int>(streams_[stream].timescale_num), static_cast<int>(streams_[stream].timescale)};
  const AVRational dst = fmt_->streams[stream]->time_base;
  pkt_->pts = av_rescale_q(packet.pts, src, dst);
  pkt_->dts = av_rescale_q(packet.dts, src, dst);
  pkt_->duration = av_rescale_q(packet.duration, src, dst);
  if (packet.keyframe) pkt_->flags |= AV_PKT_FLAG_KEY;
  const int rc = av_write_frame(fmt_, pkt_);
  if (rc < 0) return media_error("cannot write packet");
  last_dts_[stream] = packet.dts;
  ++written_;
  // Each packet completes a fragment only at the next keyframe; flushing keeps a pipe reader current.
  avio_flush(fmt_->pb);
  return ok_status();
}

Status CmafMuxer::finish() {
  if (finished_) return ok_status();
  finished_ = true;
  if (av_write_trailer(fmt_) < 0) return media_error("cannot finish MP4");
  avio_flush(fmt_->pb);
  return ok_status();
}

}  // namespace kinetic::media
