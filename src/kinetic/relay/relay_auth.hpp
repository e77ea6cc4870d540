// The relay's side of authorization: which token a session brought (the URL's ?jwt= / ?cat=
// query, or SETUP's AUTHORIZATION TOKENs), whether a request's own tokens or the session's grants
// allow an action, and which of the draft's error codes a refusal carries: MALFORMED_AUTH_TOKEN
// for tokens that cannot be read (or use what Kinetic does not implement), EXPIRED_AUTH_TOKEN,
// and UNAUTHORIZED for bad signatures, unknown keys and actions outside the grants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/auth/token_verifier.hpp"
#include "kinetic/moqt/types.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::relay {

// The value of `jwt=` or `cat=` in a path's query, percent-decoded; nullopt when neither.
std::optional<std::string> token_from_path(std::string_view path);

// A token as an AUTHORIZATION TOKEN parameter: type 1 (CAT) or 0 (JWT, out-of-band type).
moqt::AuthToken auth_token_param(std::string token);

// "@file" reads the token from a file (whitespace trimmed); anything else is the token itself.
// An error message or empty.
std::string resolve_token_arg(const std::string& arg, std::string& out);

// Reads every JWK file; an error message naming the file, or empty.
std::string load_jwk_files(const std::vector<std::string>& files, std::vector<auth::Jwk>& out);

wire::SessionError session_error_for(auth::TokenErrc code) noexcept;
wire::RequestErrorCode request_error_for(auth::TokenErrc code) noexcept;

struct SessionAuth {
  std::optional<auth::Grants> grants;  // nullopt: the session brought no token
  std::optional<auth::TokenError> error;  // a token it brought was refused
};

// Every token must verify; their scopes add up and the earliest expiry wins.
SessionAuth verify_session_tokens(const auth::TokenVerifier& verifier, const std::vector<std::string>& tokens,
                                  std::int64_t now);

struct AuthDecision {
  bool allowed = false;
  std::uint64_t code = 0;  // wire::RequestErrorCode when refused
  std::string reason;
  std::optional<std::int64_t> expires_at;  // of the token that allowed it
};

// A request's own tokens are used when it carries any (one that verifies and allows is
// enough); otherwise the session's grants decide.
AuthDecision authorize_request(const auth::TokenVerifier& verifier, auth::Action action, const wire::TrackNamespace& ns,
                               std::optional<std::string_view> track, const std::vector<moqt::AuthToken>& tokens,
                               const std::optional<auth::Grants>& session, std::int64_t now);

}  // namespace kinetic::relay
