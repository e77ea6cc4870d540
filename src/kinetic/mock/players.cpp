#include "kinetic/mock/players.hpp"

#include <chrono>
#include <ctime>
#include <deque>
#include <vector>

#include "kinetic/mock/impairment.hpp"

namespace kinetic::mock {
namespace {


constexpr std::uint64_t kTrack = 0;
// Conjectures kept for reconciliation whose real frames never come are dropped past this.
constexpr std::size_t kMaxPending = 64;

double process_cpu_ms() {
  // Process CPU time, not the thread's: an engine may run its work on a pool.
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Status validate(const PlayerInput& in) {
  if (in.frames.empty()) return Error{Errc::kInvalidValue, "no frames"};
  if (in.capture_us.size() != in.frames.size() || in.arrival_us.size() != in.frames.size()) {
    return Error{Errc::kInvalidValue, "frames, capture and arrival times differ in length"};
  }
  if (in.budget_us < 0) return Error{Errc::kInvalidValue, "negative latency budget"};
  const Frame& first = in.frames.front();
  if (first.empty()) return Error{Errc::kInvalidValue, "empty frame"};
  for (std::size_t i = 0; i < in.frames.size(); ++i) {
    if (!in.frames[i].same_size(first)) return Error{Errc::kInvalidValue, "frames differ in size"};
    if (i > 0 && in.capture_us[i] < in.capture_us[i - 1]) {
      return Error{Errc::kInvalidValue, "capture times must not decrease"};
    }
  }
  return ok_status();
}

Frame black_frame(const Frame& like) {
  Frame f(like.width, like.height);
  std::fill(f.u.begin(), f.u.end(), std::uint8_t{128});
  std::fill(f.v.begin(), f.v.end(), std::uint8_t{128});
  return f;
}

class PlayerBase : public Player {
 public:
  PlayerBase(const PlayerInput& in, const PlayerConfig& config)
      : in_(in), config_(config), blank_(black_frame(in.frames.front())) {}

  Result<ShownFrame> show_next() final {
    if (next_ >= in_.frames.size()) return Error{Errc::kInvalidValue, "past the last slot"};
    const std::size_t i = next_++;
    KINETIC_TRY(ShownFrame s, present(i));
    s.slot = static_cast<int>(i);
    s.latency_us = s.display_us - in_.capture_us[i];
    return s;
  }

 protected:
  virtual Result<ShownFrame> present(std::size_t i) = 0;

  bool arrived_by(std::size_t i, std::int64_t t) const noexcept {
    return in_.arrival_us[i] != kNeverArrives && in_.arrival_us[i] <= t;
  }
  ShownFrame real(std::size_t i, std::int64_t display) const {
    ShownFrame s;
    s.display_us = display;
    s.kind = ShownKind::kReal;
    s.real_index = static_cast<int>(i);
    s.picture = &in_.frames[i];
    return s;
  }
  // The newest real frame (or black before any).
  ShownFrame repeat(int newest, std::int64_t display) const {
    ShownFrame s;
    s.display_us = display;
    if (newest < 0) {
      s.kind = ShownKind::kBlank;
      s.picture = &blank_;
    } else {
      s.kind = ShownKind::kRepeat;
      s.real_index = newest;
      s.picture = &in_.frames[static_cast<std::size_t>(newest)];
    }
    return s;
  }

  PlayerInput in_;
  PlayerConfig config_;
  Frame blank_;
  std::size_t next_ = 0;
};

class JitterBufferPlayer final : public PlayerBase {
 public:
  using PlayerBase::PlayerBase;
  [[nodiscard]] PlayerKind kind() const noexcept override { return PlayerKind::kJitterBuffer; }

 private:
  Result<ShownFrame> present(std::size_t i) override {
    const std::int64_t deadline = in_.capture_us[i] + in_.budget_us + shift_us_;
    const std::int64_t arrival = in_.arrival_us[i];
    if (arrival <= deadline) {
      last_ = static_cast<int>(i);
      return real(i, deadline);
    }
    if (arrival != kNeverArrives && arrival - deadline <= config_.give_up_us) {
      // Waits for it: the whole timeline slides by the wait.
      const std::int64_t wait = arrival - deadline;
      shift_us_ += wait;
      last_ = static_cast<int>(i);
      ShownFrame s = real(i, arrival);
      s.stall_us = wait;
      return s;
    }
    shift_us_ += config_.give_up_us;
    ShownFrame s = repeat(last_, deadline + config_.give_up_us);
    s.stall_us = config_.give_up_us;
    return s;
  }

  std::int64_t shift_us_ = 0;
  int last_ = -1;
};

class FreezeFramePlayer final : public PlayerBase {
 public:
  using PlayerBase::PlayerBase;
  [[nodiscard]] PlayerKind kind() const noexcept override { return PlayerKind::kFreezeFrame; }

 private:
  Result<ShownFrame> present(std::size_t i) override {
    const std::int64_t display = in_.capture_us[i] + in_.budget_us;
    if (arrived_by(i, display)) {
      newest_ = static_cast<int>(i);
      return real(i, display);
    }
    // A frame that missed its own slot but is here now is newer than what is on screen.
    for (std::size_t j = i; j-- > static_cast<std::size_t>(newest_ + 1);) {
      if (arrived_by(j, display)) {
        newest_ = static_cast<int>(j);
        break;
      }
    }
    return repeat(newest_, display);
  }

  int newest_ = -1;
};

class MockPlayer final : public PlayerBase {
 public:
  MockPlayer(const PlayerInput& in, VideoConjecturer& engine, const PlayerConfig& config)
      : PlayerBase(in, config), engine_(engine), reconciler_(config.reconciler) {}
  [[nodiscard]] PlayerKind kind() const noexcept override { return PlayerKind::kMock; }
  [[nodiscard]] std::span<const ReconciliationEvent> reconciliations() const override { return events_; }
  [[nodiscard]] std::size_t pushes() const override { return pushes_; }
  [[nodiscard]] double push_wall_ms() const override { return push_wall_ms_; }

 private:
  // A substituted slot waiting for its real frame. Freezes are reconciled too: that is how a
  // distrusted track earns another try.
  struct Pending {
    std::size_t slot;
    Substitute substitute;
    Frame conjecture;   // kConjecture
    int repeated = -1;  // kFreeze: the real frame shown again
  };

  Result<ShownFrame> present(std::size_t i) override {
    const std::int64_t display = in_.capture_us[i] + in_.budget_us;
    KINETIC_CHECK(reconcile_arrived(display));
    // The engine learns from every real frame that is here, oldest first, and never from
    // its own predictions.
    for (std::size_t j = static_cast<std::size_t>(pushed_ + 1); j <= i; ++j) {
      if (!arrived_by(j, display)) continue;
      const double t0 = wall_ms();
      engine_.push_real(in_.frames[j]);
      push_wall_ms_ += wall_ms() - t0;
      ++pushes_;
      pushed_ = static_cast<int>(j);
    }
    if (pushed_ == static_cast<int>(i)) return real(i, display);
    if (pushed_ < 0) return repeat(-1, display);
    const int k = static_cast<int>(i) - pushed_;
    if (k > config_.max_conjecture_k || !reconciler_.should_conjecture(kTrack)) {
      remember(Pending{i, Substitute::kFreeze, Frame{}, pushed_});
      return repeat(pushed_, display);
    }
    const double cpu0 = process_cpu_ms();
    const double wall0 = wall_ms();
    Conjecture c = engine_.predict(k);
    const double wall1 = wall_ms();
    const double cpu1 = process_cpu_ms();
    if (!c.frame.same_size(in_.frames[i])) return Error{Errc::kInvalidValue, "engine returned a wrong-sized frame"};
    current_ = std::move(c.frame);
    remember(Pending{i, Substitute::kConjecture, current_, -1});

    ShownFrame s;
    s.display_us = display;
    s.kind = ShownKind::kConjecture;
    s.conjecture_k = k;
    s.confidence = c.confidence;
    s.fell_back = c.fell_back;
    s.predict_wall_ms = wall1 - wall0;
    s.predict_cpu_ms = cpu1 - cpu0;
    s.picture = &current_;
    return s;
  }

  void remember(Pending p) {
    if (pending_.size() >= kMaxPending) pending_.pop_front();
    pending_.push_back(std::move(p));
  }

  Status reconcile_arrived(std::int64_t now) {
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (!arrived_by(it->slot, now)) {
        ++it;
        continue;
      }
      const Frame& shown = it->substitute == Substitute::kConjecture
                               ? it->conjecture
                               : in_.frames[static_cast<std::size_t>(it->repeated)];
      KINETIC_TRY(auto event, reconciler_.reconcile_video(kTrack, it->slot, in_.capture_us[it->slot],
                                                          in_.arrival_us[it->slot], it->substitute, shown,
                                                          in_.frames[it->slot]));
      events_.push_back(event);
      it = pending_.erase(it);
    }
    return ok_status();
  }

  VideoConjecturer& engine_;
  Reconciler reconciler_;
  std::vector<ReconciliationEvent> events_;
  std::deque<Pending> pending_;
  Frame current_;
  int pushed_ = -1;
  double push_wall_ms_ = 0;
  std::size_t pushes_ = 0;
};

}  // namespace

std::string_view player_name(PlayerKind kind) noexcept {
  switch (kind) {
    case PlayerKind::kJitterBuffer: return "jitter-buffer";
    case PlayerKind::kFreezeFrame: return "freeze-frame";
    case PlayerKind::kMock: return "mock";
  }
  return "?";
}

std::string_view shown_name(ShownKind kind) noexcept {
  switch (kind) {
    case ShownKind::kReal: return "real";
    case ShownKind::kRepeat: return "repeat";
    case ShownKind::kConjecture: return "conjecture";
    case ShownKind::kBlank: return "blank";
  }
  return "?";
}

Result<std::unique_ptr<Player>> make_jitter_buffer_player(const PlayerInput& input, const PlayerConfig& config) {
  KINETIC_CHECK(validate(input));
  if (config.give_up_us <= 0) return Error{Errc::kInvalidValue, "give_up_us must be positive"};
  return std::unique_ptr<Player>(std::make_unique<JitterBufferPlayer>(input, config));
}

Result<std::unique_ptr<Player>> make_freeze_frame_player(const PlayerInput& input, const PlayerConfig& config) {
  KINETIC_CHECK(validate(input));
  return std::unique_ptr<Player>(std::make_unique<FreezeFramePlayer>(input, config));
}

Result<std::unique_ptr<Player>> make_mock_player(const PlayerInput& input, VideoConjecturer& engine,
                                                       const PlayerConfig& config) {
  KINETIC_CHECK(validate(input));
  if (config.max_conjecture_k < 0) return Error{Errc::kInvalidValue, "max_conjecture_k must be >= 0"};
  return std::unique_ptr<Player>(std::make_unique<MockPlayer>(input, engine, config));
}

}  // namespace kinetic::mock
