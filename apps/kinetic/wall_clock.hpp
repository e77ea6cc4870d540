// Wall-clock time as the tools exchange it. Latency across processes can only be measured on the
// wall clock (steady clocks are per machine), so stamps and their readers share these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kinetic::app {

std::int64_t unix_us();
inline std::int64_t unix_ms() { return unix_us() / 1000; }

// "2026-11-25T01:47:06.123Z" (UTC, millisecond resolution), the clock track's payload.
std::string format_utc_ms(std::int64_t unix_ms);
// The inverse; nullopt for anything that is not exactly that shape.
std::optional<std::int64_t> parse_utc_ms(std::string_view text);

}  // namespace kinetic::app
