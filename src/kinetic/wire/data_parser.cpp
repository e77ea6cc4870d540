#include "kinetic/wire/data_parser.hpp"

#include <algorithm>

namespace kinetic::wire {
namespace {

// Room for every varint and byte of the largest head besides its Properties field.
constexpr std::size_t kHeadOverhead = 64;

}  // namespace

Result<UniStreamKind> peek_uni_stream_kind(std::span<const std::uint8_t> first_bytes) noexcept {
  auto type = decode_varint(first_bytes);
  if (!type) return type.error();
  return classify_uni_stream(type->value);
}

FramedStreamParser::FramedStreamParser(const DataLimits& limits)
    : head_cap_(limits.max_property_bytes + kHeadOverhead) {}

Status FramedStreamParser::fail(Error e) {
  error_ = e;
  head_buf_.clear();
  payload_run_ = {};
  payload_buf_.clear();
  return e;
}

Status FramedStreamParser::feed(std::span<const std::uint8_t> chunk) {
  return feed(SharedBytes::copy(chunk));
}

Status FramedStreamParser::feed(const SharedBytes& chunk) {
  if (error_) return *error_;
  if (finished_) return fail({Errc::kProtocolViolation, "data after the end of the stream"});
  const std::span<const std::uint8_t> data = chunk.span();
  std::size_t off = 0;
  while (off < data.size()) {
    const std::size_t rest = data.size() - off;
    if (!in_payload_) {
      const std::size_t old = head_buf_.size();
      std::span<const std::uint8_t> input;
      if (old == 0) {
        input = data.subspan(off);
      } else {
        const std::size_t add = std::min(rest, head_cap_ - old);
        head_buf_.insert(head_buf_.end(), data.begin() + static_cast<std::ptrdiff_t>(off),
                         data.begin() + static_cast<std::ptrdiff_t>(off + add));
        input = head_buf_;
      }
      ByteReader r(input);
      auto head = parse_head(r);
      if (!head) {
        if (!head.error().need_more()) return fail(head.error());
        if (old == 0) {
          if (rest >= head_cap_) return fail({Errc::kLimitExceeded, "object head exceeds the limit"});
          head_buf_.assign(data.begin() + static_cast<std::ptrdiff_t>(off), data.end());
        } else if (head_buf_.size() >= head_cap_) {
          return fail({Errc::kLimitExceeded, "object head exceeds the limit"});
        }
        return ok_status();
      }
      off += r.position() - old;
      head_buf_.clear();
      if (!*head) continue;
      payload_length_ = **head;
      if (payload_length_ == 0) {
        emit(SharedBytes());
        continue;
      }
      in_payload_ = true;
    } else {
      const std::size_t have = payload_run_.size() + payload_buf_.size();
      const auto need = static_cast<std::size_t>(payload_length_) - have;
      const std::size_t take = std::min(rest, need);
      const SharedBytes part = chunk.slice(off, take);
      off += take;
      if (have == 0 || (payload_buf_.empty() && payload_run_.followed_by(part))) {
        // Still one run of memory (chunks carved one after another from a ByteArena): no copy.
        payload_run_ = have == 0 ? part : payload_run_.joined(part);
      } else {
        if (payload_buf_.empty()) {
          payload_buf_.reserve(static_cast<std::size_t>(payload_length_));
          payload_buf_.assign(payload_run_.data(), payload_run_.data() + payload_run_.size());
          payload_run_ = {};
        }
        payload_buf_.insert(payload_buf_.end(), part.data(), part.data() + part.size());
      }
      if (take == need) {
        emit(payload_buf_.empty() ? std::move(payload_run_) : SharedBytes(std::move(payload_buf_)));
        payload_run_ = {};
        payload_buf_ = {};
        in_payload_ = false;
      }
    }
  }
  return ok_status();
}

Status FramedStreamParser::finish() {
  if (error_) return *error_;
  if (!header_done()) return fail({Errc::kProtocolViolation, "stream ends inside its header"});
  if (in_payload_ || !head_buf_.empty())
    return fail({Errc::kProtocolViolation, "stream ends inside an object"});
  finished_ = true;
  return ok_status();
}

std::optional<SubgroupHeader> SubgroupStreamParser::header() const {
  if (!reader_) return std::nullopt;
  return reader_->header();
}

Result<std::optional<std::uint64_t>> SubgroupStreamParser::parse_head(ByteReader& r) {
  if (!reader_) {
    KINETIC_TRY(SubgroupHeader h, read_subgroup_header(r, version_));
    reader_.emplace(h, limits_);
    return std::optional<std::uint64_t>{};
  }
  KINETIC_TRY(pending_, reader_->read_object_head(r));
  return std::optional<std::uint64_t>{pending_.payload_length};
}

void SubgroupStreamParser::emit(SharedBytes payload) {
  objects_.push_back(reader_->to_object(std::move(pending_), std::move(payload)));
  pending_ = {};
}

bool SubgroupStreamParser::next(Object& out) {
  if (objects_.empty()) return false;
  out = std::move(objects_.front());
  objects_.pop_front();
  return true;
}

Result<std::optional<std::uint64_t>> FetchStreamParser::parse_head(ByteReader& r) {
  if (!header_) {
    KINETIC_TRY(header_, read_fetch_header(r));
    return std::optional<std::uint64_t>{};
  }
  KINETIC_TRY(pending_, reader_.read_object_head(r));
  return std::optional<std::uint64_t>{pending_.payload_length};
}

void FetchStreamParser::emit(SharedBytes payload) {
  const FetchEntryKind kind = pending_.kind;
  entries_.push_back({kind, FetchObjectReader::to_object(std::move(pending_), std::move(payload))});
  pending_ = {};
}

bool FetchStreamParser::next(FetchEntry& out) {
  if (entries_.empty()) return false;
  out = std::move(entries_.front());
  entries_.pop_front();
  return true;
}

std::optional<UniStreamKind> UniStreamParser::kind() const noexcept {
  if (std::holds_alternative<SubgroupStreamParser>(parser_)) return UniStreamKind::kSubgroup;
  if (std::holds_alternative<FetchStreamParser>(parser_)) return UniStreamKind::kFetch;
  if (std::holds_alternative<PaddingStreamReader>(parser_)) return UniStreamKind::kPadding;
  return std::nullopt;
}

Status UniStreamParser::feed(const SharedBytes& chunk) {
  SharedBytes rest = chunk;
  if (std::holds_alternative<std::monostate>(parser_)) {
    // Only the type's few bytes are ever buffered here.
    const std::size_t before = type_bytes_.size();
    const std::size_t take = std::min(chunk.size(), kMaxVarintLength - before);
    type_bytes_.insert(type_bytes_.end(), chunk.data(), chunk.data() + take);
    auto type = decode_varint(type_bytes_);
    if (!type) return ok_status();  // need more; a varint is at most 9 bytes
    KINETIC_TRY(const UniStreamKind k, classify_uni_stream(type->value));
    const std::size_t used_from_chunk = type->length - before;
    const SharedBytes prefix =
        SharedBytes::copy(std::span<const std::uint8_t>(type_bytes_.data(), type->length));
    type_bytes_.clear();
    rest = chunk.slice(used_from_chunk, chunk.size() - used_from_chunk);
    switch (k) {
      case UniStreamKind::kSubgroup: {
        auto& p = parser_.emplace<SubgroupStreamParser>(version_, limits_);
        KINETIC_CHECK(p.feed(prefix));
        break;
      }
      case UniStreamKind::kFetch: {
        auto& p = parser_.emplace<FetchStreamParser>(version_, GroupOrder::kAscending, limits_);
        KINETIC_CHECK(p.feed(prefix));
        break;
      }
      case UniStreamKind::kPadding:
        parser_.emplace<PaddingStreamReader>();
        break;
      case UniStreamKind::kSetup:
        return Error{Errc::kProtocolViolation, "SETUP on a data stream"};
    }
  }
  if (auto* p = subgroup()) return p->feed(rest);
  if (auto* p = fetch()) return p->feed(rest);
  if (auto* p = padding()) return p->feed(rest.span());
  return ok_status();
}

Status UniStreamParser::finish() {
  if (auto* p = subgroup()) return p->finish();
  if (auto* p = fetch()) return p->finish();
  if (padding() != nullptr) return ok_status();
  return Error{Errc::kProtocolViolation, "stream ends inside its type"};
}

}  // namespace kinetic::wire
