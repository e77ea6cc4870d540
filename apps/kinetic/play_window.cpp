// The window of `kinetic play`: SDL2 draws each presented picture (YUV straight into a
// texture) and plays the audio through a queue; SDL2_ttf writes the overlay. Without SDL2 at
// build time only the headless player exists.
#include "play_view.hpp"

#if KINETIC_HAVE_SDL2
#include <SDL.h>
#include <SDL_ttf.h>
#include <fmt/format.h>

#include <cstdlib>
#include <optional>
#endif

namespace kinetic::app {

#if KINETIC_HAVE_SDL2
namespace {

// DejaVu ships with Debian's fonts-dejavu-core; KINETIC_FONT overrides it.
constexpr const char* kDefaultFont = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
constexpr int kFontPoints = 15;
// Audio queued beyond this is dropped: playing it late would only add latency.
constexpr Uint32 kMaxQueuedAudioMs = 300;

SDL_Color kind_color(mock::DisplayKind kind) {
  switch (kind) {
    case mock::DisplayKind::kReal: return {80, 220, 80, 255};
    case mock::DisplayKind::kConjecture: return {240, 200, 40, 255};
    case mock::DisplayKind::kFreeze: return {90, 160, 255, 255};
    case mock::DisplayKind::kStall: return {240, 70, 70, 255};
  }
  return {255, 255, 255, 255};
}

class WindowView final : public PlayView {
 public:
  WindowView(int audio_rate, int audio_channels, bool overlay)
      : audio_rate_(audio_rate), audio_channels_(audio_channels), overlay_(overlay) {}
  ~WindowView() override {
    if (audio_ != 0) SDL_CloseAudioDevice(audio_);
    if (font_ != nullptr) TTF_CloseFont(font_);
    if (texture_ != nullptr) SDL_DestroyTexture(texture_);
    if (renderer_ != nullptr) SDL_DestroyRenderer(renderer_);
    if (window_ != nullptr) SDL_DestroyWindow(window_);
    if (TTF_WasInit() != 0) TTF_Quit();
    SDL_Quit();
  }

  bool open(const std::string& title, std::string& error) {
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
      error = SDL_GetError();
      return false;
    }
    window_ = SDL_CreateWindow(title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, 640, 360,
                               SDL_WINDOW_RESIZABLE);
    if (window_ == nullptr) {
      error = SDL_GetError();
      return false;
    }
    renderer_ = SDL_CreateRenderer(window_, -1, 0);
    if (renderer_ == nullptr) {
      error = SDL_GetError();
      return false;
    }
    SDL_SetRenderDrawBlendMode(renderer_, SDL_BLENDMODE_BLEND);
    if (TTF_Init() == 0) {
      const char* path = std::getenv("KINETIC_FONT");
      font_ = TTF_OpenFont(path != nullptr ? path : kDefaultFont, kFontPoints);
    }
    if (font_ == nullptr) overlay_available_ = false;
    // Sound is optional: a machine without an audio device still shows the picture.
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) == 0) {
      SDL_AudioSpec want{};
      want.freq = audio_rate_;
      want.format = AUDIO_S16SYS;
      want.channels = static_cast<Uint8>(audio_channels_);
      want.samples = 1024;
      audio_ = SDL_OpenAudioDevice(nullptr, 0, &want, nullptr, 0);
      if (audio_ != 0) SDL_PauseAudioDevice(audio_, 0);
    }
    SDL_RenderClear(renderer_);
    SDL_RenderPresent(renderer_);
    return true;
  }

  void present(const Presented& p, const PlaySummary& running) override {
    if (p.frame && !p.frame->empty()) {
      const mock::Frame& f = *p.frame;
      if (texture_ == nullptr || tex_w_ != f.width || tex_h_ != f.height) {
        if (texture_ != nullptr) SDL_DestroyTexture(texture_);
        texture_ = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING, f.width, f.height);
        tex_w_ = f.width;
        tex_h_ = f.height;
        SDL_SetWindowSize(window_, f.width, f.height);
        SDL_SetWindowPosition(window_, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED);
      }
      if (texture_ != nullptr) {
        SDL_UpdateYUVTexture(texture_, nullptr, f.y.data(), f.width, f.u.data(), f.chroma_width(), f.v.data(),
                             f.chroma_width());
      }
    }
    last_ = p;
    running_ = running;
    redraw();
  }

  void play_audio(const AudioOut& a) override {
    if (audio_ == 0 || a.pcm.empty()) return;
    const Uint32 bytes_per_ms = static_cast<Uint32>(audio_rate_ * audio_channels_ * 2 / 1000);
    if (SDL_GetQueuedAudioSize(audio_) > kMaxQueuedAudioMs * bytes_per_ms) SDL_ClearQueuedAudio(audio_);
    SDL_QueueAudio(audio_, a.pcm.data(), static_cast<Uint32>(a.pcm.size() * sizeof(std::int16_t)));
  }

  bool pump() override {
    SDL_Event e;
    while (SDL_PollEvent(&e) != 0) {
      if (e.type == SDL_QUIT) return false;
      if (e.type == SDL_KEYDOWN) {
        const auto key = e.key.keysym.sym;
        if (key == SDLK_q || key == SDLK_ESCAPE) return false;
        if (key == SDLK_o) {
          overlay_ = !overlay_;
          redraw();
        }
      }
      if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_EXPOSED) redraw();
    }
    return true;
  }

 private:
  void text(const std::string& s, int x, int y, SDL_Color color) {
    SDL_Surface* surface = TTF_RenderUTF8_Blended(font_, s.c_str(), color);
    if (surface == nullptr) return;
    SDL_Texture* t = SDL_CreateTextureFromSurface(renderer_, surface);
    SDL_Rect dst{x, y, surface->w, surface->h};
    SDL_FreeSurface(surface);
    if (t == nullptr) return;
    SDL_RenderCopy(renderer_, t, nullptr, &dst);
    SDL_DestroyTexture(t);
  }

  void redraw() {
    SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
    SDL_RenderClear(renderer_);
    if (texture_ != nullptr) SDL_RenderCopy(renderer_, texture_, nullptr, nullptr);
    if (overlay_ && overlay_available_ && last_) draw_overlay();
    SDL_RenderPresent(renderer_);
  }

  void draw_overlay() {
    const Presented& p = *last_;
    const int line = TTF_FontLineSkip(font_);
    SDL_Rect box{8, 8, 430, line * 4 + 12};
    SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 170);
    SDL_RenderFillRect(renderer_, &box);
    const SDL_Color kind = kind_color(p.kind);
    SDL_Rect badge{16, 14, 12, line - 4};
    SDL_SetRenderDrawColor(renderer_, kind.r, kind.g, kind.b, 255);
    SDL_RenderFillRect(renderer_, &badge);
    std::string head = fmt::format("{} {}  latency {:.0f} ms", running_.track, display_kind_name(p.kind),
                                   static_cast<double>(p.latency_us) / 1000.0);
    if (p.kind == mock::DisplayKind::kConjecture) head += fmt::format("  conf {:.2f}", p.confidence);
    const SDL_Color white{235, 235, 235, 255};
    text(head, 36, 12, kind);
    text(fmt::format("real {}  conjecture {}  freeze {}  stalls {}", running_.real, running_.conjectured,
                     running_.frozen, running_.stall_events),
         16, 12 + line, white);
    text(fmt::format("freezes (W3C) {}  concealment events {}", running_.freezes, running_.concealment_events), 16,
         12 + 2 * line, white);
    text(fmt::format("p50 {:.0f} ms  p95 {:.0f} ms  (o: overlay, q: quit)", running_.latency_p50_ms,
                     running_.latency_p95_ms),
         16, 12 + 3 * line, white);
  }

  int audio_rate_;
  int audio_channels_;
  bool overlay_;
  bool overlay_available_ = true;
  SDL_Window* window_ = nullptr;
  SDL_Renderer* renderer_ = nullptr;
  SDL_Texture* texture_ = nullptr;
  int tex_w_ = 0;
  int tex_h_ = 0;
  TTF_Font* font_ = nullptr;
  SDL_AudioDeviceID audio_ = 0;
  std::optional<Presented> last_;
  PlaySummary running_;
};

}  // namespace

std::unique_ptr<PlayView> open_window_view(const std::string& title, int audio_rate, int audio_channels, bool overlay,
                                           std::string& error) {
  auto view = std::make_unique<WindowView>(audio_rate, audio_channels, overlay);
  if (!view->open(title, error)) return nullptr;
  return view;
}

bool window_view_built() noexcept { return true; }

#else

std::unique_ptr<PlayView> open_window_view(const std::string&, int, int, bool, std::string& error) {
  error = "this build has no SDL2";
  return nullptr;
}

bool window_view_built() noexcept { return false; }

#endif

}  // namespace kinetic::app
