#include "kinetic/moqt/subgroup_writer.hpp"

#include "kinetic/base/byte_arena.hpp"
#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/data_subgroup.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::moqt {

struct SubgroupWriter::Codec {
  explicit Codec(const wire::SubgroupHeader& h) : header(h), writer(h) {}
  wire::SubgroupHeader header;
  wire::SubgroupObjectWriter writer;
  // Object heads (a few bytes each) are carved from small shared blocks: a relay writes one
  // head per object per subscriber, and an allocation for each (a vector grown field by field,
  // then its shared owner) was several mallocs per subscriber.
  ByteArena heads{kHeadBlock, 0};
  static constexpr std::size_t kHeadBlock = 512;
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
  stream.set_handler(this);
}

// The header waits for the first object because its FIRST_OBJECT bit (draft-18 and later)
// depends on it: a stream that starts at Object 0 starts with the first object ever published
// in its subgroup, whoever writes it (an original publisher or a relay forwarding), since
// objects of a subgroup only ascend. Peers such as @moq/net drop a subgroup without the bit as
// one joined partway through. A stream starting later leaves the bit clear, which is never
// wrong for a relay that cannot know more.
void SubgroupWriter::write_header(std::vector<std::uint8_t>& out, std::optional<std::uint64_t> first_object_id) {
  if (header_written_) return;
  header_written_ = true;
  codec_->header.first_object = first_object_id == std::uint64_t{0};
  wire::ByteWriter w(out);
  wire::write_subgroup_header(w, codec_->header);
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
  // Encoded here first, in a buffer every writer of the thread shares: one per writer grew
  // from nothing again with each group, a few mallocs per subscriber per group.
  thread_local std::vector<std::uint8_t> head;
  head.clear();
  const bool header_pending = !header_written_;
  if (header_pending) write_header(head, object_id);
  wire::ByteWriter w(head);
  auto st = codec_->writer.write_object_head(w, object_id, properties, static_cast<wire::ObjectStatus>(status),
                                             payload.size());
  if (!st) {
    if (header_pending) {
      // Nothing went out: the next object decides the header.
      header_written_ = false;
    }
    return false;
  }
  last_object_ = object_id;
  bytes_written_ += head.size() + payload.size();
  // The stream keeps the head's block alive until the head is acknowledged.
  stream_->write(codec_->heads.copy(head));
  if (!payload.empty()) stream_->write(payload);
  return true;
}

void SubgroupWriter::finish() {
  if (!open()) return;
  flush_header();
  finished_ = true;
  stream_->finish();
}

void SubgroupWriter::reset(std::uint64_t code) {
  if (stream_ == nullptr) return;
  flush_header();
  finished_ = true;
  stream_->reset(code);
}

// A subgroup ended or abandoned before any object still names its group and subgroup.
void SubgroupWriter::flush_header() {
  if (header_written_ || stream_ == nullptr || finished_) return;
  std::vector<std::uint8_t> out;
  write_header(out, std::nullopt);
  stream_->write(std::span<const std::uint8_t>(out));
  bytes_written_ += out.size();
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
