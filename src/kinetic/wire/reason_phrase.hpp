// Reason Phrase (draft-18 §1.4.4): a varint length (at most 1024) and UTF-8 text that only
// its author is meant to understand, so Kinetic carries the bytes without validating them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "kinetic/wire/byte_reader.hpp"
#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::wire {

inline constexpr std::size_t kMaxReasonPhraseLength = 1024;

// A length over 1024 is a PROTOCOL_VIOLATION, refused before the bytes are read.
Status read_reason_phrase(ByteReader& r, std::string& out);
// Refuses (kLimitExceeded) a phrase over 1024 bytes rather than truncating it.
Status write_reason_phrase(ByteWriter& w, std::string_view phrase);

}  // namespace kinetic::wire
