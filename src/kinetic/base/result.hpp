// Errors as values for every layer. std::expected would do, but clang 14 (our fuzz
// compiler) cannot use libstdc++'s <expected>, so Kinetic keeps this small equivalent.
#pragma once

#include <cassert>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace kinetic {

enum class Errc {
  kNeedMoreBytes,      // input ends inside a field: not an error yet, feed more bytes
  kProtocolViolation,  // draft's PROTOCOL_VIOLATION
  kKeyValueFormatting, // draft's KEY_VALUE_FORMATTING_ERROR
  kLimitExceeded,      // a bound of the draft or of Kinetic was passed
  kUnknownMessage,     // unknown control message or stream type
  kInvalidValue,       // a field outside its permitted values
  kVersionMismatch,    // no common version / field not in this version
  kBufferTooSmall,     // encoder's destination is too small
};

std::string_view errc_name(Errc code) noexcept;

// `what` always points at a string literal so that failing never allocates.
struct Error {
  Errc code;
  const char* what = "";

  [[nodiscard]] bool need_more() const noexcept { return code == Errc::kNeedMoreBytes; }
  friend bool operator==(const Error& a, const Error& b) noexcept { return a.code == b.code; }
};

inline Error need_more() noexcept { return {Errc::kNeedMoreBytes, "need more bytes"}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  Result(Error error) : v_(std::in_place_index<1>, error) {}         // NOLINT(implicit)

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace kinetic

#define KINETIC_CAT_INNER(a, b) a##b
#define KINETIC_CAT(a, b) KINETIC_CAT_INNER(a, b)

// KINETIC_TRY(auto x, expr): binds the value of a Result or returns its error from the
// enclosing function (which must return a Result or Status).
#define KINETIC_TRY(decl, expr)                                  \
  auto KINETIC_CAT(kinetic_try_, __LINE__) = (expr);             \
  if (!KINETIC_CAT(kinetic_try_, __LINE__))                      \
    return KINETIC_CAT(kinetic_try_, __LINE__).error();          \
  decl = std::move(*KINETIC_CAT(kinetic_try_, __LINE__))

#define KINETIC_CHECK(expr)                                      \
  do {                                                           \
    auto kinetic_check_ = (expr);                                \
    if (!kinetic_check_) return kinetic_check_.error();          \
  } while (0)
