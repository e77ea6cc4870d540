// One subgroup's unidirectional stream (SUBGROUP_HEADER, then its objects in ascending Object
// ID order). A payload given as SharedBytes goes to the transport by reference: only the few
// header bytes of each object are encoded per subscriber, so a relay fanning one cached
// object out to many subscriptions never copies it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "kinetic/moqt/types.hpp"
#include "kinetic/transport/transport.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::moqt {

struct SubgroupSpec {
  std::uint64_t group_id = 0;
  std::uint64_t subgroup_id = 0;
  std::uint8_t publisher_priority = kDefaultPriority;
  bool properties = true;       // objects carry a Properties field
  bool end_of_group = false;    // this subgroup holds the group's last object
};

class SubgroupWriter final : public transport::StreamHandler {
 public:
  // The SUBGROUP_HEADER goes out with the first object (or on finish / reset without one).
  SubgroupWriter(wire::Version v, transport::Stream& stream, std::uint64_t track_alias, const SubgroupSpec& spec);
  ~SubgroupWriter() override;
  SubgroupWriter(const SubgroupWriter&) = delete;
  SubgroupWriter& operator=(const SubgroupWriter&) = delete;

  [[nodiscard]] const SubgroupSpec& spec() const noexcept { return spec_; }
  [[nodiscard]] std::uint64_t group_id() const noexcept { return spec_.group_id; }
  [[nodiscard]] std::uint64_t subgroup_id() const noexcept { return spec_.subgroup_id; }
  [[nodiscard]] bool open() const noexcept { return stream_ != nullptr && !finished_; }
  [[nodiscard]] std::optional<std::uint64_t> last_object_id() const noexcept { return last_object_; }

  // False (nothing written) when the stream is gone or the object breaks the stream's rules
  // (Object IDs not ascending, a payload with a non-Normal status, properties on a stream
  // opened without them).
  bool write(std::uint64_t object_id, const SharedBytes& payload, const KeyValueList& properties = {},
             ObjectStatus status = ObjectStatus::kNormal);
  bool write(const Object& object) {
    return write(object.object_id, object.payload, object.properties, object.status);
  }
  // FIN: every object of the subgroup was sent.
  void finish();
  // RESET_STREAM with a stream reset code (wire::StreamResetCode), abandoning what is queued.
  void reset(std::uint64_t code);
  [[nodiscard]] std::size_t queued_bytes() const noexcept;
  // Every byte handed to the stream so far; less queued_bytes() is what has left.
  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_written_; }
  void set_send_order(std::uint64_t order);
  [[nodiscard]] transport::StreamId stream_id() const noexcept { return stream_id_; }
  // transport::Stream::measure_send_delay for what was written so far.
  void measure_send_delay(transport::TimePoint since, LatencyHistogram& into) {
    if (stream_ != nullptr) stream_->measure_send_delay(since, into);
  }

  // StreamHandler: the peer's STOP_SENDING or the stream closing detaches the writer.
  void on_data(transport::Stream& stream, std::span<const std::uint8_t> data, bool fin) override;
  void on_stop_sending(transport::Stream& stream, transport::ErrorCode code) override;
  void on_closed(transport::Stream& stream) override;

 private:
  struct Codec;
  wire::Version version_;
  transport::Stream* stream_;
  transport::StreamId stream_id_;
  SubgroupSpec spec_;
  std::unique_ptr<Codec> codec_;
  std::optional<std::uint64_t> last_object_;
  bool finished_ = false;
  bool header_written_ = false;
  std::uint64_t bytes_written_ = 0;

  void write_header(std::vector<std::uint8_t>& out, std::optional<std::uint64_t> first_object_id);
  void flush_header();
};

}  // namespace kinetic::moqt
