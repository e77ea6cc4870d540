// Why a token was refused, as a value. The relay maps the kind onto the draft's error codes
// (MALFORMED_AUTH_TOKEN, EXPIRED_AUTH_TOKEN, UNAUTHORIZED); `what` is for logs and reason
// phrases and never echoes secret material.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kinetic::auth {

enum class TokenErrc {
  kMalformed,       // not a JWT or CAT, bad base64url / JSON / CBOR, a claim of the wrong type
  kTooLarge,        // over the size bound before anything was decoded
  kUnsupported,     // an algorithm or claim Kinetic does not implement (fails closed)
  kUnknownKey,      // no configured key has the token's key id (or none fits its algorithm)
  kWrongAlgorithm,  // the header's algorithm is not the key's
  kBadSignature,    // signature or MAC does not verify
  kExpired,         // exp has passed
  kNotYetValid,     // nbf is in the future
  kWrongIssuer,     // iss is not one the verifier accepts (or is missing where one is required)
  kWrongAudience,   // aud names none of the verifier's audiences, or is missing where one is required
};

struct TokenError {
  TokenErrc code = TokenErrc::kMalformed;
  std::string what;
};

const char* token_errc_name(TokenErrc code) noexcept;

template <typename T>
class [[nodiscard]] TokenResult {
 public:
  TokenResult(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  TokenResult(TokenError error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(implicit)

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  [[nodiscard]] const TokenError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, TokenError> v_;
};

inline TokenError token_error(TokenErrc code, std::string what) { return {code, std::move(what)}; }

}  // namespace kinetic::auth
