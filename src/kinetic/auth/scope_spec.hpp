// A one-line text form of a grant scope, for `kinetic token` and logs:
//   ACTIONS[:NAMESPACE[:TRACK]]
// ACTIONS is a comma list of the draft's action names ("subscribe,fetch") or numbers, or "all".
// NAMESPACE lists fields separated by '/': "x*" is a prefix match, "*x" a suffix match, anything
// else exact, and a last field "$" ends the namespace there (the draft's nil); empty or absent
// means every namespace. TRACK is one match of the same kind; absent means every track name.
// Example: "publish-namespace,publish:demo/room-*/$:*-audio". Fields cannot contain ':' or '/'.
#pragma once

#include <string>
#include <string_view>

#include "kinetic/auth/grants.hpp"
#include "kinetic/auth/token_error.hpp"

namespace kinetic::auth {

TokenResult<Scope> parse_scope_spec(std::string_view spec);
std::string scope_to_spec(const Scope& scope);

}  // namespace kinetic::auth
