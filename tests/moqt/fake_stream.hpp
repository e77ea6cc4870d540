// A transport::Stream that keeps what is written, for codec tests without a network.
#pragma once

#include <vector>

#include "kinetic/transport/transport.hpp"

namespace kinetic::moqt::testing {

class FakeStream final : public transport::Stream {
 public:
  [[nodiscard]] transport::StreamId id() const override { return 2; }
  [[nodiscard]] bool bidirectional() const override { return false; }
  [[nodiscard]] bool locally_opened() const override { return true; }
  void set_handler(transport::StreamHandler* h) override { handler = h; }
  void write(std::span<const std::uint8_t> data, bool fin) override {
    bytes.insert(bytes.end(), data.begin(), data.end());
    fin_ = fin_ || fin;
  }
  void write(kinetic::SharedBytes data, bool fin) override {
    ++shared_writes;
    shared_data.push_back(data.data());
    write(data.span(), fin);
    shared_pieces.push_back(std::move(data));
  }
  void finish() override { fin_ = true; }
  [[nodiscard]] std::size_t queued_bytes() const override { return bytes.size(); }
  void set_send_order(std::uint64_t order) override { send_order = order; }
  void reset(transport::ErrorCode code) override { reset_code = code; }
  void stop_sending(transport::ErrorCode) override {}

  std::vector<std::uint8_t> bytes;
  bool fin_ = false;
  int shared_writes = 0;
  std::vector<const std::uint8_t*> shared_data;  // where each shared write's bytes live
  std::vector<kinetic::SharedBytes> shared_pieces;  // the shared writes themselves, kept alive
  std::uint64_t send_order = 0;
  std::optional<transport::ErrorCode> reset_code;
  transport::StreamHandler* handler = nullptr;
};

}  // namespace kinetic::moqt::testing
