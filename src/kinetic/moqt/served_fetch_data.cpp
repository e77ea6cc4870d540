// The data half of ServedFetch: the FETCH_HEADER stream and its objects. It lives apart from
// the control half because the data-plane wire headers are kept out of control-plane code.
#include "kinetic/moqt/fetch.hpp"
#include "kinetic/moqt/range_filters.hpp"
#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/data_fetch.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::moqt {

struct ServedFetch::Codec {
  Codec(wire::Version v, GroupOrder order)
      : writer(v, order == GroupOrder::kDescending ? wire::GroupOrder::kDescending : wire::GroupOrder::kAscending) {}
  wire::FetchObjectWriter writer;
};

struct ServedFetch::DataHandler final : transport::StreamHandler {
  explicit DataHandler(ServedFetch& f) : fetch(f) {}
  void on_data(transport::Stream&, std::span<const std::uint8_t>, bool) override {}
  void on_stop_sending(transport::Stream& stream, transport::ErrorCode) override {
    fetch.state_ = RequestState::kDone;
    stream.reset(static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled));
  }
  void on_closed(transport::Stream&) override { fetch.data_stream_ = nullptr; }
  ServedFetch& fetch;
};

ServedFetch::ServedFetch() = default;

ServedFetch::~ServedFetch() {
  if (data_stream_ != nullptr) {
    data_stream_->set_handler(nullptr);
    if (state_ == RequestState::kActive) {
      data_stream_->reset(static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled));
    }
  }
}

void ServedFetch::start_data(wire::Version v, transport::Stream& stream, GroupOrder order) {
  data_stream_ = &stream;
  data_handler_ = std::make_unique<DataHandler>(*this);
  stream.set_handler(data_handler_.get());
  codec_ = std::make_unique<Codec>(v, order);
  std::vector<std::uint8_t> out;
  wire::ByteWriter w(out);
  wire::write_fetch_header(w, wire::FetchHeader{request_id_});
  stream.write(std::span<const std::uint8_t>(out));
}

bool ServedFetch::write(const Object& object) {
  if (state_ != RequestState::kActive || data_stream_ == nullptr || !codec_) return false;
  if (object.location() < range_.start) return false;
  // A FETCH stream carries no Object Status: a status marker would reach the requester as an
  // empty Normal object at its location.
  if (object.status != ObjectStatus::kNormal) return false;
  if (!passes_range_filters(range_filters_, object)) return true;
  wire::Object o;
  o.group_id = object.group_id;
  o.subgroup_id = object.subgroup_id;
  o.object_id = object.object_id;
  o.publisher_priority = object.publisher_priority;
  o.forwarding = object.datagram ? wire::ForwardingPreference::kDatagram : wire::ForwardingPreference::kSubgroup;
  o.status = static_cast<wire::ObjectStatus>(object.status);
  o.properties = object.properties;
  std::vector<std::uint8_t> head;
  wire::ByteWriter w(head);
  auto fh = wire::fetch_head_for(o);
  fh.payload_length = object.payload.size();
  if (!codec_->writer.write_object_head(w, fh)) return false;
  data_stream_->write(std::span<const std::uint8_t>(head));
  if (!object.payload.empty()) data_stream_->write(object.payload);
  return true;
}

void ServedFetch::finish() {
  if (state_ != RequestState::kActive) return;
  state_ = RequestState::kDone;
  if (data_stream_ != nullptr) data_stream_->finish();
  if (stream_ != nullptr) stream_->finish();  // nothing more on the request stream either
}

void ServedFetch::reset(std::uint64_t code) {
  if (state_ != RequestState::kActive) return;
  state_ = RequestState::kDone;
  if (data_stream_ != nullptr) data_stream_->reset(code);
  if (stream_ != nullptr) stream_->finish();
}

std::size_t ServedFetch::queued_bytes() const noexcept {
  return data_stream_ != nullptr ? data_stream_->queued_bytes() : 0;
}

}  // namespace kinetic::moqt
