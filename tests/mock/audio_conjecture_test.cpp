#include "kinetic/mock/audio_conjecture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "kinetic/mock/quality.hpp"

namespace kinetic::mock {
namespace {

constexpr int kRate = 48000;
constexpr int kFrame = 960;  // 20 ms

// Four seconds of the Megamind trailer's soundtrack (speech and music), decoded at test time
// with the ffmpeg CLI; a synthetic harmonic tone with vibrato when ffmpeg is not there.
std::vector<std::int16_t> load_audio(bool* real) {
  const std::string out = std::string(KINETIC_BINARY_DIR) + "/mock_audio_test_megamind_48k_mono.s16";
  const std::string cmd = "ffmpeg -nostdin -hide_banner -loglevel quiet -y -ss 3 -t 4 -i \"" +
                          std::string(KINETIC_SHARED_DIR) + "/media/Megamind.avi\" -vn -ac 1 -ar 48000 -f s16le \"" +
                          out + "\"";
  std::vector<std::int16_t> pcm;
  if (std::system("command -v ffmpeg >/dev/null 2>&1") == 0 && std::system(cmd.c_str()) == 0) {
    std::ifstream in(out, std::ios::binary);
    in.seekg(0, std::ios::end);
    const auto bytes = static_cast<std::size_t>(in.tellg());
    in.seekg(0);
    pcm.resize(bytes / 2);
    in.read(reinterpret_cast<char*>(pcm.data()), static_cast<std::streamsize>(pcm.size() * 2));
  }
  *real = pcm.size() >= static_cast<std::size_t>(kRate * 3);
  if (!*real) {
    pcm.resize(static_cast<std::size_t>(kRate) * 4);
    for (std::size_t i = 0; i < pcm.size(); ++i) {
      const double t = static_cast<double>(i) / kRate;
      const double f0 = 180.0 + 20.0 * std::sin(2 * M_PI * 3.0 * t);
      double v = 0.0;
      for (int h = 1; h <= 6; ++h) v += std::sin(2 * M_PI * f0 * h * t) / h;
      pcm[i] = static_cast<std::int16_t>(6000.0 * v * (0.6 + 0.4 * std::sin(2 * M_PI * 0.7 * t)));
    }
  }
  pcm.resize(pcm.size() / kFrame * kFrame);
  return pcm;
}

struct Encoded {
  std::vector<std::vector<std::uint8_t>> packets;
  bool real_audio = false;
};

Encoded encode_clip() {
  Encoded e;
  const auto pcm = load_audio(&e.real_audio);
  OpusEncoderConfig cfg;
  cfg.voip = true;
  cfg.bitrate = 32000;
  cfg.inband_fec = true;
  cfg.expected_loss_pct = 20;
  auto enc = OpusPacketEncoder::create(cfg);
  EXPECT_TRUE(enc.ok());
  for (std::size_t off = 0; off + kFrame <= pcm.size(); off += kFrame) {
    auto p = enc->encode(std::span<const std::int16_t>(pcm).subspan(off, kFrame));
    EXPECT_TRUE(p.ok());
    e.packets.push_back(std::move(*p));
  }
  return e;
}

const Encoded& clip() {
  static const Encoded e = encode_clip();
  return e;
}

std::vector<std::vector<std::int16_t>> decode_clean(const Encoded& e) {
  auto dec = OpusConcealingDecoder::create(kRate, 1, kFrame);
  EXPECT_TRUE(dec.ok());
  std::vector<std::vector<std::int16_t>> out;
  for (const auto& p : e.packets) {
    auto f = dec->decode(p);
    EXPECT_TRUE(f.ok());
    out.push_back(f->pcm);
  }
  return out;
}

bool lost(std::size_t i) { return i >= 10 && i % 9 == 4; }

struct LossRun {
  std::vector<std::vector<std::int16_t>> frames;
  std::vector<AudioSource> sources;
};

LossRun decode_with_losses(const Encoded& e, bool use_fec) {
  auto dec = OpusConcealingDecoder::create(kRate, 1, kFrame);
  EXPECT_TRUE(dec.ok());
  LossRun run;
  for (std::size_t i = 0; i < e.packets.size(); ++i) {
    kinetic::Result<AudioFrame> f = lost(i)
        ? dec->conceal(use_fec && i + 1 < e.packets.size() ? std::span<const std::uint8_t>(e.packets[i + 1])
                                                           : std::span<const std::uint8_t>{})
        : dec->decode(e.packets[i]);
    EXPECT_TRUE(f.ok());
    EXPECT_EQ(f->pcm.size(), static_cast<std::size_t>(kFrame));
    run.frames.push_back(f->pcm);
    run.sources.push_back(f->source);
  }
  return run;
}

double mean_concealed_snr(const LossRun& run, const std::vector<std::vector<std::int16_t>>& clean) {
  double sum = 0.0;
  int n = 0;
  for (std::size_t i = 0; i < run.frames.size(); ++i) {
    if (!lost(i)) continue;
    sum += *snr_db(clean[i], run.frames[i]);
    ++n;
  }
  return sum / n;
}

// Seeded noise through a one-pole low-pass: a sound PLC cannot predict sample by sample.
std::vector<std::int16_t> noise_pcm(std::size_t frames) {
  std::vector<std::int16_t> pcm(frames * kFrame);
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  double y = 0.0;
  for (auto& v : pcm) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const double white = static_cast<double>(static_cast<std::int64_t>(x >> 11) - (1LL << 52)) / (1LL << 52);
    y = 0.8 * y + 4000.0 * white;
    v = static_cast<std::int16_t>(y);
  }
  return pcm;
}

std::vector<std::int16_t> tone_pcm(std::size_t frames) {
  std::vector<std::int16_t> pcm(frames * kFrame);
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    const double t = static_cast<double>(i) / kRate;
    pcm[i] = static_cast<std::int16_t>(6000.0 * (std::sin(2 * M_PI * 220.0 * t) + 0.5 * std::sin(2 * M_PI * 440.0 * t)));
  }
  return pcm;
}

std::vector<std::vector<std::uint8_t>> encode(const std::vector<std::int16_t>& pcm, const OpusEncoderConfig& cfg) {
  auto enc = OpusPacketEncoder::create(cfg);
  EXPECT_TRUE(enc.ok());
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t off = 0; off + kFrame <= pcm.size(); off += kFrame) {
    auto p = enc->encode(std::span<const std::int16_t>(pcm).subspan(off, kFrame));
    EXPECT_TRUE(p.ok());
    out.push_back(std::move(*p));
  }
  return out;
}

// The total weight the predictors earned (mean over the segments of PLC + repetition).
double gain_after(const std::vector<std::vector<std::uint8_t>>& packets, const OpusConcealmentConfig& cfg = {}) {
  auto dec = OpusConcealingDecoder::create(kRate, 1, kFrame, cfg);
  EXPECT_TRUE(dec.ok());
  for (const auto& p : packets) EXPECT_TRUE(dec->decode(p).ok());
  double sum = 0.0;
  for (int k = 0; k < kConcealmentSegments; ++k) sum += (dec->weights(k).plc + dec->weights(k).repeat) / kConcealmentSegments;
  return sum;
}

TEST(AudioConjecture, PlcGainIsLearnedFromHowWellPlcPredictedTheArrivals) {
  // CELT (the mode Opus takes for music at this rate) continues a steady tone by pitch
  // repetition almost exactly; nobody can continue noise.
  OpusEncoderConfig music;
  music.bitrate = 96000;
  music.inband_fec = false;
  const auto noise = encode(noise_pcm(100), music);
  const auto tone = encode(tone_pcm(100), music);
  auto fresh = OpusConcealingDecoder::create(kRate, 1, kFrame);
  ASSERT_TRUE(fresh.ok());
  EXPECT_DOUBLE_EQ(fresh->plc_gain(), 1.0);  // no evidence yet: libopus's PLC as it is
  const double g_noise = gain_after(noise);
  const double g_tone = gain_after(tone);
  std::printf("learned PLC gain: noise %.3f, steady tone %.3f\n", g_noise, g_tone);
  EXPECT_LT(std::abs(g_noise), 0.3);
  EXPECT_GT(g_tone, 0.8);
  EXPECT_DOUBLE_EQ(gain_after(noise, {.learned_gain = false}), 1.0);
  EXPECT_FALSE(OpusConcealingDecoder::create(kRate, 1, kFrame, {.forgetting = 0.0}).ok());
  EXPECT_FALSE(OpusConcealingDecoder::create(kRate, 1, kFrame, {.burst_decay = 1.5}).ok());

  // The gain scales PLC, decays along a burst, and real audio returns to full scale.
  auto dec = OpusConcealingDecoder::create(kRate, 1, kFrame);
  ASSERT_TRUE(dec.ok());
  for (std::size_t i = 0; i < 60; ++i) ASSERT_TRUE(dec->decode(noise[i]).ok());
  std::printf("noise, (PLC, repetition) weights per segment:");
  for (int k = 0; k < kConcealmentSegments; ++k) std::printf(" (%.3f, %.3f)", dec->weights(k).plc, dec->weights(k).repeat);
  std::printf("\n");
  const ConcealmentWeights end = dec->weights(kConcealmentSegments - 1);
  auto first = dec->conceal();
  auto second = dec->conceal();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->source, AudioSource::kPlc);
  EXPECT_NEAR(first->gain + first->repeat, g_noise, 0.2);
  // The frame's mean: the weights reach the decayed end weights after a short ramp.
  EXPECT_NEAR(second->gain, end.plc * 0.7, 0.02);
  EXPECT_NEAR(second->repeat, end.repeat * 0.7, 0.02);
  auto real = dec->decode(noise[62]);
  ASSERT_TRUE(real.ok());
  EXPECT_EQ(real->gain, 1.0);
  EXPECT_EQ(real->repeat, 0.0);
}

TEST(AudioConjecture, FecIsTakenOnlyWhenThePacketCarriesIt) {
  // SILK packets without in-band FEC: their TOC says they could carry it, but they do not.
  OpusEncoderConfig no_fec;
  no_fec.voip = true;
  no_fec.bitrate = 12000;  // SILK
  no_fec.inband_fec = false;
  const auto packets = encode(tone_pcm(40), no_fec);
  ASSERT_TRUE(opus_packet_may_have_fec(packets[21]));
  auto verified = OpusConcealingDecoder::create(kRate, 1, kFrame);
  auto trusting = OpusConcealingDecoder::create(kRate, 1, kFrame, {.learned_gain = false, .verify_fec = false});
  ASSERT_TRUE(verified.ok() && trusting.ok());
  for (std::size_t i = 0; i < 20; ++i) ASSERT_TRUE(verified->decode(packets[i]).ok() && trusting->decode(packets[i]).ok());
  auto v = verified->conceal(packets[21]);
  auto t = trusting->conceal(packets[21]);
  ASSERT_TRUE(v.ok() && t.ok());
  EXPECT_EQ(v->source, AudioSource::kPlc);
  EXPECT_EQ(t->source, AudioSource::kFec);  // libopus ran PLC and called it FEC
  // With FEC in the stream the same check finds it.
  const Encoded& e = clip();
  const LossRun fec = decode_with_losses(e, true);
  int recovered = 0;
  for (std::size_t i = 0; i < fec.sources.size(); ++i) recovered += lost(i) && fec.sources[i] == AudioSource::kFec;
  EXPECT_GT(recovered, 0);
}

TEST(AudioConjecture, RejectsBadSettingsAndPackets) {
  EXPECT_FALSE(OpusConcealingDecoder::create(44100, 1, 960).ok());
  EXPECT_FALSE(OpusConcealingDecoder::create(48000, 3, 960).ok());
  EXPECT_FALSE(OpusConcealingDecoder::create(48000, 1, 1000).ok());
  // 2.5 ms at 8 kHz does not split into equal concealment segments and need not.
  auto tiny = OpusConcealingDecoder::create(8000, 1, 20);
  ASSERT_TRUE(tiny.ok());
  auto tiny_frame = tiny->conceal();
  ASSERT_TRUE(tiny_frame.ok());
  EXPECT_EQ(tiny_frame->pcm.size(), 20u);
  OpusEncoderConfig bad;
  bad.frame_samples = 100;
  EXPECT_FALSE(OpusPacketEncoder::create(bad).ok());
  auto enc = OpusPacketEncoder::create();
  ASSERT_TRUE(enc.ok());
  EXPECT_FALSE(enc->encode(std::vector<std::int16_t>(959)).ok());

  auto dec = OpusConcealingDecoder::create(kRate, 1, kFrame);
  ASSERT_TRUE(dec.ok());
  EXPECT_FALSE(dec->decode({}).ok());
  const std::vector<std::uint8_t> garbage{0xFF, 0xFF, 0xFF};
  EXPECT_FALSE(dec->decode(garbage).ok());
  // A 10 ms packet does not fill a 20 ms slot.
  OpusEncoderConfig ten;
  ten.frame_samples = 480;
  auto enc10 = OpusPacketEncoder::create(ten);
  ASSERT_TRUE(enc10.ok());
  auto p10 = enc10->encode(std::vector<std::int16_t>(480, 100));
  ASSERT_TRUE(p10.ok());
  EXPECT_FALSE(dec->decode(*p10).ok());
  // Concealment still yields exactly one frame.
  auto c = dec->conceal(garbage);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->pcm.size(), static_cast<std::size_t>(kFrame));
}

TEST(AudioConjecture, ConcealmentKeepsTheFrameLengthAndHasNoSeam) {
  const Encoded& e = clip();
  ASSERT_GT(e.packets.size(), 100U);
  const auto clean = decode_clean(e);
  const LossRun plc = decode_with_losses(e, false);
  // The largest sample-to-sample step of the clean decode, and the steps where a concealed
  // frame meets its neighbours: a seam (click) would stand far above what the signal does.
  int clean_step = 0;
  for (const auto& f : clean)
    for (std::size_t i = 1; i < f.size(); ++i) clean_step = std::max(clean_step, std::abs(f[i] - f[i - 1]));
  int seam = 0;
  for (std::size_t i = 1; i + 1 < plc.frames.size(); ++i) {
    if (!lost(i)) continue;
    EXPECT_EQ(plc.sources[i], AudioSource::kPlc);
    seam = std::max(seam, std::abs(plc.frames[i].front() - plc.frames[i - 1].back()));
    seam = std::max(seam, std::abs(plc.frames[i + 1].front() - plc.frames[i].back()));
  }
  EXPECT_GT(clean_step, 0);
  EXPECT_LE(seam, clean_step) << "real audio: " << e.real_audio;
  // Frames after the loss decode normally and re-converge on the clean output.
  double after = 0.0;
  int n = 0;
  for (std::size_t i = 0; i + 3 < plc.frames.size(); ++i) {
    if (!lost(i)) continue;
    after += *snr_db(clean[i + 3], plc.frames[i + 3]);
    ++n;
  }
  EXPECT_GT(after / n, 15.0);
}

TEST(AudioConjecture, FecRecoversBetterThanPlc) {
  const Encoded& e = clip();
  const auto clean = decode_clean(e);
  const LossRun plc = decode_with_losses(e, false);
  const LossRun fec = decode_with_losses(e, true);
  int fec_frames = 0;
  for (std::size_t i = 0; i < fec.sources.size(); ++i)
    if (lost(i) && fec.sources[i] == AudioSource::kFec) ++fec_frames;
  EXPECT_GT(fec_frames, 0);
  const double snr_plc = mean_concealed_snr(plc, clean);
  const double snr_fec = mean_concealed_snr(fec, clean);
  std::printf("concealed frames (%s): PLC %.2f dB, FEC %.2f dB SNR against the clean decode; %d FEC frames\n",
              e.real_audio ? "Megamind soundtrack" : "synthetic tone", snr_plc, snr_fec, fec_frames);
  EXPECT_GT(snr_fec, snr_plc + 3.0);
}

TEST(AudioConjecture, CopiedDecoderContinuesIdentically) {
  const Encoded& e = clip();
  auto a = OpusConcealingDecoder::create(kRate, 1, kFrame);
  ASSERT_TRUE(a.ok());
  for (std::size_t i = 0; i < 20; ++i) ASSERT_TRUE(a->decode(e.packets[i]).ok());
  OpusConcealingDecoder b = *a;
  auto fa = a->decode(e.packets[20]);
  auto fb = b.decode(e.packets[20]);
  ASSERT_TRUE(fa.ok() && fb.ok());
  EXPECT_EQ(fa->pcm, fb->pcm);
}

TEST(AudioConjecture, CeltOnlyPacketsCarryNoFec) {
  OpusEncoderConfig music;
  music.bitrate = 128000;
  music.inband_fec = false;
  auto enc = OpusPacketEncoder::create(music);
  ASSERT_TRUE(enc.ok());
  std::vector<std::int16_t> pcm(kFrame);
  for (int i = 0; i < kFrame; ++i) pcm[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(8000 * std::sin(i * 0.3));
  auto p = enc->encode(pcm);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(opus_packet_may_have_fec(*p), ((*p)[0] >> 3) < 16);
  EXPECT_FALSE(opus_packet_may_have_fec({}));
  const std::vector<std::uint8_t> celt{static_cast<std::uint8_t>(31 << 3)};
  const std::vector<std::uint8_t> silk{static_cast<std::uint8_t>(1 << 3)};
  EXPECT_FALSE(opus_packet_may_have_fec(celt));
  EXPECT_TRUE(opus_packet_may_have_fec(silk));
}

}  // namespace
}  // namespace kinetic::mock
