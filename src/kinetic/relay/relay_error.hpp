// Refusals a relay hands back to a peer. They carry the REQUEST_ERROR code the session sends,
// so policy code decides the code once and the session layer only forwards it.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "kinetic/wire/error_codes.hpp"

namespace kinetic::relay {

struct RelayError {
  wire::RequestErrorCode code = wire::RequestErrorCode::kInternalError;
  const char* what = "";  // a string literal, so refusing never allocates
  friend bool operator==(const RelayError& a, const RelayError& b) noexcept { return a.code == b.code; }
};

template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  Outcome(RelayError error) : v_(std::in_place_index<1>, error) {}    // NOLINT(implicit)

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  [[nodiscard]] const RelayError& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, RelayError> v_;
};

struct Done {};

}  // namespace kinetic::relay
