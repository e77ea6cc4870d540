// The second audio predictor beside libopus's PLC: repeat the last pitch period of what was
// played (the classic waveform-substitution concealment of G.711 Appendix I). Where PLC
// resynthesises from the codec's parameters, this copies the waveform itself, so on steady
// periodic sound (held notes, chords, voiced speech) it stays in phase longer; on noise it is
// as wrong as PLC. Which of the two to trust, and how much, is learned per signal
// (audio_concealment_fit.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace kinetic::mock {

class PitchRepeater {
 public:
  // Periods from 2.5 ms (400 Hz) to 20 ms (50 Hz), matched over the last 5 ms.
  PitchRepeater(int sample_rate, int channels);

  // Appends played samples (interleaved) to the history the period is searched in.
  void remember(std::span<const std::int16_t> pcm);
  // Picks the period whose previous cycle best matches the newest 5 ms (normalised
  // correlation on channel 0) and starts repeating the newest cycle of that length. Without
  // enough history, or on silence, it repeats nothing (predictions are zero).
  void start();
  // The next out.size() / channels samples of the repetition, continuing where the last call
  // ended (so a burst of losses keeps one continuous waveform).
  void predict(std::span<std::int16_t> out);

  [[nodiscard]] std::size_t period() const noexcept { return cycle_.size() / channels_; }

 private:
  std::size_t channels_;
  std::size_t min_period_;
  std::size_t max_period_;
  std::size_t window_;
  std::vector<std::int16_t> history_;  // newest at the back, at most history frames
  std::vector<std::int16_t> cycle_;    // the cycle being repeated, interleaved
  std::size_t phase_ = 0;              // frames into cycle_ of the next prediction
};

}  // namespace kinetic::mock
