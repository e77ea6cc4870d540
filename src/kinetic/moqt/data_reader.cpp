#include "kinetic/moqt/data_reader.hpp"

#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/data_datagram.hpp"
#include "kinetic/wire/data_errors.hpp"
#include "kinetic/wire/data_parser.hpp"

namespace kinetic::moqt {
namespace {

Object from_wire(const wire::Object& o, std::uint8_t default_priority) {
  Object out;
  out.group_id = o.group_id;
  out.subgroup_id = o.subgroup_id;
  out.object_id = o.object_id;
  out.publisher_priority = o.publisher_priority.value_or(default_priority);
  out.datagram = o.forwarding == wire::ForwardingPreference::kDatagram;
  out.status = static_cast<ObjectStatus>(o.status);
  out.properties = o.properties;
  out.payload = o.payload;
  return out;
}

std::uint64_t close_code(const Error& e) {
  auto code = wire::data_error_close_code(e);
  return static_cast<std::uint64_t>(code.value_or(wire::SessionError::kProtocolViolation));
}

}  // namespace

struct DataStreamReader::State {
  State(wire::Version v, std::size_t max_payload) : parser(v, limits(max_payload)) {}
  static wire::DataLimits limits(std::size_t max_payload) {
    wire::DataLimits l;
    l.max_payload_bytes = max_payload;
    return l;
  }
  wire::UniStreamParser parser;
};

DataStreamReader::DataStreamReader(wire::Version v, std::size_t max_payload)
    : state_(std::make_unique<State>(v, max_payload)) {}
DataStreamReader::~DataStreamReader() = default;

bool DataStreamReader::fail(std::uint64_t code, const char* what) {
  error_code_ = code;
  error_what_ = what;
  return false;
}

bool DataStreamReader::feed(const SharedBytes& chunk) {
  if (error_what_[0] != '\0') return false;
  auto st = state_->parser.feed(chunk);
  if (!st) return fail(close_code(st.error()), st.error().what);
  return true;
}

bool DataStreamReader::finish() {
  if (error_what_[0] != '\0') return false;
  auto st = state_->parser.finish();
  if (!st) return fail(close_code(st.error()), st.error().what);
  return true;
}

DataStreamReader::Kind DataStreamReader::kind() const noexcept {
  auto k = state_->parser.kind();
  if (!k) return Kind::kUnknown;
  switch (*k) {
    case wire::UniStreamKind::kSubgroup: return Kind::kSubgroup;
    case wire::UniStreamKind::kFetch: return Kind::kFetch;
    case wire::UniStreamKind::kPadding: return Kind::kPadding;
    case wire::UniStreamKind::kSetup: break;
  }
  return Kind::kUnknown;
}

std::optional<std::uint64_t> DataStreamReader::track_alias() const {
  auto* p = state_->parser.subgroup();
  if (p == nullptr || !p->header()) return std::nullopt;
  return p->header()->track_alias;
}

std::optional<std::uint64_t> DataStreamReader::group_id() const {
  auto* p = state_->parser.subgroup();
  if (p == nullptr || !p->header()) return std::nullopt;
  return p->header()->group_id;
}

std::optional<std::uint64_t> DataStreamReader::subgroup_id() const {
  auto* p = state_->parser.subgroup();
  if (p == nullptr || !p->header()) return std::nullopt;
  return p->header()->subgroup_id;
}

std::optional<std::uint64_t> DataStreamReader::request_id() const {
  auto* p = state_->parser.fetch();
  if (p == nullptr || !p->header()) return std::nullopt;
  return p->header()->request_id;
}

void DataStreamReader::set_descending() {
  if (auto* p = state_->parser.fetch()) p->set_group_order(wire::GroupOrder::kDescending);
}

bool DataStreamReader::next(Object& out, std::uint8_t default_priority) {
  if (auto* s = state_->parser.subgroup()) {
    wire::Object o;
    if (!s->next(o)) return false;
    out = from_wire(o, default_priority);
    return true;
  }
  if (auto* f = state_->parser.fetch()) {
    wire::FetchEntry e;
    while (f->next(e)) {
      // End-of-range markers say what does not exist; the application only sees objects.
      if (e.kind != wire::FetchEntryKind::kObject) continue;
      out = from_wire(e.object, default_priority);
      return true;
    }
  }
  return false;
}

std::optional<std::vector<std::uint8_t>> encode_datagram(wire::Version v, std::uint64_t track_alias,
                                                         const Object& object) {
  (void)v;
  wire::Object o;
  o.group_id = object.group_id;
  o.object_id = object.object_id;
  o.publisher_priority = object.publisher_priority;
  o.forwarding = wire::ForwardingPreference::kDatagram;
  o.status = static_cast<wire::ObjectStatus>(object.status);
  o.properties = object.properties;
  o.payload = object.payload;
  const auto head = wire::datagram_head_for(track_alias, o);
  std::vector<std::uint8_t> out;
  wire::ByteWriter w(out);
  if (!wire::write_object_datagram(w, head, head.status ? std::span<const std::uint8_t>{} : object.payload.span())) {
    return std::nullopt;
  }
  return out;
}

std::optional<DatagramObject> decode_datagram(wire::Version v, const SharedBytes& datagram, std::uint64_t& error_code) {
  auto d = wire::decode_object_datagram(datagram, v);
  if (!d) {
    error_code = close_code(d.error());
    return std::nullopt;
  }
  DatagramObject out;
  out.track_alias = d->track_alias;
  out.object = from_wire(d->object, kDefaultPriority);
  out.object.datagram = true;
  return out;
}

}  // namespace kinetic::moqt
