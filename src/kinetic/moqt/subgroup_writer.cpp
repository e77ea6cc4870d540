#include "kinetic/moqt/subgroup_writer.hpp"

#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/data_subgroup.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::moqt {

struct SubgroupWriter::Codec {
  explicit Codec(const wire::SubgroupHeader& h) : header(h), writer(h) {}
  wire::SubgroupHeader header;
  wire::SubgroupObjectWriter writer;
};

SubgroupWriter::SubgroupWriter(wire::Version v, transport::Stream& stream, std::uint64_t track_alias,
                               const SubgroupSpec& spec)
    : version_(v), stream_(&stream), stream_id_(stream.id()), spec_(spec) {
  wire::SubgroupHeader h;
  h.track_alias = track_alias;
  h.group_id = spec.group_id;
  h.subgroup_id = spec.subgroup_id;
  h.id_mode = spec.subgroup_id == 0 ? wire::SubgroupIdMode::kZero : wire::SubgroupIdMode::kExplicit;
  h.publisher_priority = spec.publisher_priority;
  h.properties = spec.properties;
  h.end_of_group = spec.end_of_group;
  codec_ = std::make_unique<Codec>(h);
  std::vector<std::uint8_t> out;
  wire::ByteWriter w(out);
  wire::write_subgroup_header(w, h);
  stream.set_handler(this);
  stream.write(std::span<const std::uint8_t>(out));
}

SubgroupWriter::~SubgroupWriter() {
  if (stream_ != nullptr) {
    stream_->set_handler(nullptr);
    // A writer dropped without finish() abandons the subgroup; the peer sees a reset
    // rather than a subgroup that looks complete.
    if (!finished_) stream_->reset(static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled));
  }
}

bool SubgroupWriter::write(std::uint64_t object_id, const SharedBytes& payload, const KeyValueList& properties,
                           ObjectStatus status) {
  if (!open()) return false;
  if (!spec_.properties && !properties.empty()) return false;
  std::vector<std::uint8_t> head;
  wire::ByteWriter w(head);
  auto st = codec_->writer.write_object_head(w, object_id, properties, static_cast<wire::ObjectStatus>(status),
                                             payload.size());
  if (!st) return false;
  last_object_ = object_id;
  stream_->write(std::span<const std::uint8_t>(head));
  if (!payload.empty()) stream_->write(payload);
  return true;
}

void SubgroupWriter::finish() {
  if (!open()) return;
  finished_ = true;
  stream_->finish();
}

void SubgroupWriter::reset(std::uint64_t code) {
  if (stream_ == nullptr) return;
  finished_ = true;
  stream_->reset(code);
}

std::size_t SubgroupWriter::queued_bytes() const noexcept { return stream_ != nullptr ? stream_->queued_bytes() : 0; }

void SubgroupWriter::set_send_order(std::uint64_t order) {
  if (stream_ != nullptr) stream_->set_send_order(order);
}

void SubgroupWriter::on_data(transport::Stream&, std::span<const std::uint8_t>, bool) {}

void SubgroupWriter::on_stop_sending(transport::Stream& stream, transport::ErrorCode code) {
  (void)code;
  // The subscriber no longer wants this subgroup: abandon it, as the draft asks.
  finished_ = true;
  stream.reset(static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled));
}

void SubgroupWriter::on_closed(transport::Stream& stream) {
  (void)stream;
  stream_ = nullptr;
  finished_ = true;
}

}  // namespace kinetic::moqt
