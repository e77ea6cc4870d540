// Where `kinetic play` shows what it presents. The headless player has none; the window
// (play_window.cpp, built when SDL2 is found) draws each picture with an overlay and plays
// the audio. Called from the player thread only.
#pragma once

#include <memory>
#include <string>

#include "play_engine.hpp"
#include "play_report.hpp"

namespace kinetic::app {

class PlayView {
 public:
  virtual ~PlayView() = default;
  // A newly presented slot of a video track, with the running summary of that track.
  virtual void present(const Presented& p, const PlaySummary& running) = 0;
  virtual void play_audio(const AudioOut& audio) = 0;
  // Handles window events; false once the user closed the window (or pressed q / Esc).
  virtual bool pump() = 0;
};

// nullptr and `error` set when no window can be opened (no display, SDL2 not built in).
std::unique_ptr<PlayView> open_window_view(const std::string& title, int audio_rate, int audio_channels,
                                           bool overlay, std::string& error);
// Whether this build can open a window at all.
bool window_view_built() noexcept;

}  // namespace kinetic::app
