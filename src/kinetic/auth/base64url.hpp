// Base64url without padding (RFC 4648 §5), as JWTs, JWKs and the C4M compact tokens use it.
// Decoding also takes the standard alphabet and '=' padding, since URLs and files carry both.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kinetic::auth {

std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view bytes);
// nullopt for a character outside both alphabets, misplaced padding or a dangling 6 bits.
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

}  // namespace kinetic::auth
