// A value or the reason there is none, as text: the gateway's failures (a refused offer, an
// unusable ICE address) go back to an HTTP client or the console verbatim, so unlike
// Error their message is built at run time.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "kinetic/base/result.hpp"

namespace kinetic::webrtc {

struct Problem {
  bool client_fault = true;  // the request was wrong (4xx), not the gateway (5xx)
  std::string what;
};

template <class T>
class Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Outcome(Problem p) : v_(std::move(p)) {}    // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& operator*() & { assert(ok()); return std::get<0>(v_); }
  const T& operator*() const& { assert(ok()); return std::get<0>(v_); }
  T* operator->() { assert(ok()); return &std::get<0>(v_); }
  const T* operator->() const { assert(ok()); return &std::get<0>(v_); }
  [[nodiscard]] const Problem& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Problem> v_;
};

using Done = Outcome<Ok>;

inline Problem refused(std::string what) { return {true, std::move(what)}; }
inline Problem internal(std::string what) { return {false, std::move(what)}; }

}  // namespace kinetic::webrtc
