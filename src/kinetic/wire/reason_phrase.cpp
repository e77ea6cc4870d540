#include "kinetic/wire/reason_phrase.hpp"

namespace kinetic::wire {

Status read_reason_phrase(ByteReader& r, std::string& out) {
  KINETIC_TRY(const std::uint64_t len, r.varint());
  if (len > kMaxReasonPhraseLength) return Error{Errc::kProtocolViolation, "reason phrase over 1024 bytes"};
  KINETIC_TRY(auto bytes, r.bytes(static_cast<std::size_t>(len)));
  out.assign(as_string_view(bytes));
  return ok_status();
}

Status write_reason_phrase(ByteWriter& w, std::string_view phrase) {
  if (phrase.size() > kMaxReasonPhraseLength) return Error{Errc::kLimitExceeded, "reason phrase over 1024 bytes"};
  w.length_prefixed(phrase);
  return ok_status();
}

}  // namespace kinetic::wire
