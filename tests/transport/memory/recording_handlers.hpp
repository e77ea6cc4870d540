// Handlers that record what a session and its streams see, shared by the memory
// transport's tests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::memory::testing {

struct RecordingStream : StreamHandler {
  std::vector<std::uint8_t> data;
  std::vector<TimePoint> data_times;
  bool fin = false;
  std::optional<ErrorCode> reset;
  std::optional<ErrorCode> stop_sending;
  int writable = 0;
  bool closed = false;
  EventLoop* loop = nullptr;
  std::function<void(Stream&, std::span<const std::uint8_t>, bool)> data_hook;
  std::function<void(Stream&)> writable_hook;

  void on_data(Stream& stream, std::span<const std::uint8_t> bytes, bool is_fin) override {
    data.insert(data.end(), bytes.begin(), bytes.end());
    if (loop != nullptr) data_times.push_back(loop->now());
    if (is_fin) fin = true;
    if (data_hook) data_hook(stream, bytes, is_fin);
  }
  void on_reset(Stream&, ErrorCode code) override { reset = code; }
  void on_stop_sending(Stream&, ErrorCode code) override { stop_sending = code; }
  void on_writable(Stream& stream) override {
    ++writable;
    if (writable_hook) writable_hook(stream);
  }
  void on_closed(Stream&) override { closed = true; }
};

struct RecordingSession : SessionHandler {
  EventLoop* loop = nullptr;
  bool ready = false;
  std::vector<Stream*> incoming;  // released streams dangle: use incoming_ids after on_closed
  std::vector<StreamId> incoming_ids;
  std::vector<std::unique_ptr<RecordingStream>> stream_handlers;
  std::map<StreamId, RecordingStream*> by_id;
  std::vector<std::vector<std::uint8_t>> datagrams;
  std::vector<TimePoint> datagram_times;
  int streams_available = 0;
  std::optional<CloseInfo> closed;
  std::optional<TimePoint> closed_at;
  std::function<void(Session&, Stream&)> incoming_hook;
  std::function<void(Session&, const CloseInfo&)> closed_hook;

  // A recording handler for `stream`, owned here.
  RecordingStream& attach(Stream& stream) {
    stream_handlers.push_back(std::make_unique<RecordingStream>());
    RecordingStream& h = *stream_handlers.back();
    h.loop = loop;
    stream.set_handler(&h);
    by_id[stream.id()] = &h;
    return h;
  }

  void on_ready(Session&) override { ready = true; }
  void on_incoming_stream(Session& session, Stream& stream) override {
    incoming.push_back(&stream);
    incoming_ids.push_back(stream.id());
    attach(stream);
    if (incoming_hook) incoming_hook(session, stream);
  }
  void on_datagram(Session&, std::span<const std::uint8_t> data) override {
    datagrams.emplace_back(data.begin(), data.end());
    if (loop != nullptr) datagram_times.push_back(loop->now());
  }
  void on_streams_available(Session&) override { ++streams_available; }
  void on_closed(Session& session, const CloseInfo& info) override {
    closed = info;
    if (loop != nullptr) closed_at = loop->now();
    if (closed_hook) closed_hook(session, info);
  }
};

inline std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed = 0) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((i * 31 + seed) & 0xff);
  return v;
}

}  // namespace kinetic::transport::memory::testing
