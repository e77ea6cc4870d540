// The three players the MOCK evaluation compares, all at the same display-latency budget and
// fed the same real frames on the same arrival trace:
//   jitter buffer — slot i is due at capture_i + budget + (stall so far); a frame missing at
//                   its deadline is waited for, and the wait shifts every later deadline;
//   freeze-frame  — never waits: slot i is shown at capture_i + budget, and a missing frame
//                   is replaced by the newest real frame already here;
//   MOCK          — never waits either; a missing frame is replaced by the video engine's
//                   conjecture, and when the real frame turns up the conjecture is reconciled
//                   (its error recorded, the track's confidence updated; low confidence
//                   freezes instead).
// The harness treats every frame as independently decodable: the pictures are the decoder's
// output, and in-order delivery inside a group (impairment.hpp) already models what a late
// reference costs.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "kinetic/mock/frame.hpp"
#include "kinetic/mock/reconciler.hpp"
#include "kinetic/mock/video_conjecture.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::mock {

enum class PlayerKind { kJitterBuffer, kFreezeFrame, kMock };
std::string_view player_name(PlayerKind kind) noexcept;

enum class ShownKind {
  kReal,        // the slot's own frame
  kRepeat,      // an earlier real frame again
  kConjecture,  // the engine's prediction
  kBlank,       // nothing real has arrived yet
};
std::string_view shown_name(ShownKind kind) noexcept;

// What went on screen for one slot.
struct ShownFrame {
  int slot = 0;                    // the source frame whose display slot this is
  std::int64_t display_us = 0;     // receiver time it was presented
  std::int64_t latency_us = 0;     // display_us − capture time of the slot's frame
  std::int64_t stall_us = 0;       // how long this slot waited past its deadline
  ShownKind kind = ShownKind::kBlank;
  int real_index = -1;             // the real frame shown (kReal, kRepeat)
  int conjecture_k = 0;            // intervals past the newest real frame the engine held
  float confidence = 0.0f;         // the engine's, for conjectures
  bool fell_back = false;          // the engine repeated its last frame
  double predict_wall_ms = 0;      // cost of this slot's conjecture
  double predict_cpu_ms = 0;
  const Frame* picture = nullptr;  // valid until the next show() on the same player
};

// What the network delivers, slot by slot.
struct PlayerInput {
  std::span<const Frame> frames;            // real decoded frames, in display order
  std::span<const std::int64_t> capture_us; // capture (= send) time of each
  std::span<const std::int64_t> arrival_us; // receiver arrival, kNeverArrives allowed
  std::int64_t budget_us = 100'000;         // display latency budget
};

struct PlayerConfig {
  // Jitter buffer: a frame that is this late (or never comes) is given up and the last frame
  // repeated, so one lost frame cannot stop playback for ever.
  std::int64_t give_up_us = 1'000'000;
  // MOCK: the farthest it extrapolates, in frame intervals past the newest real frame it
  // holds; beyond that it freezes on that frame. Counting distance rather than consecutive
  // conjectures lets a player that is always one frame short (budget below the path delay)
  // keep conjecturing one frame ahead instead of freezing for good.
  int max_conjecture_k = 8;
  ReconcilerConfig reconciler;
};

class Player {
 public:
  virtual ~Player() = default;
  [[nodiscard]] virtual PlayerKind kind() const noexcept = 0;
  // Presents the next slot; slots go 0, 1, 2, ... Past the end: an error.
  virtual Result<ShownFrame> show_next() = 0;
  // MOCK only: reconciliations so far (empty for the others).
  [[nodiscard]] virtual std::span<const ReconciliationEvent> reconciliations() const { return {}; }
  // Real frames fed to the engine and their cost summed (MOCK only).
  [[nodiscard]] virtual std::size_t pushes() const { return 0; }
  [[nodiscard]] virtual double push_wall_ms() const { return 0; }
};

// The input's spans must outlive the player; they must be equally long. `engine` (MOCK) must
// outlive it too and should be fresh: the player feeds it from the first slot.
Result<std::unique_ptr<Player>> make_jitter_buffer_player(const PlayerInput& input,
                                                                const PlayerConfig& config = {});
Result<std::unique_ptr<Player>> make_freeze_frame_player(const PlayerInput& input,
                                                               const PlayerConfig& config = {});
Result<std::unique_ptr<Player>> make_mock_player(const PlayerInput& input, VideoConjecturer& engine,
                                                       const PlayerConfig& config = {});

}  // namespace kinetic::mock
