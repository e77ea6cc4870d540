// `kinetic token`: keys and tokens for relays that require them.
//   kinetic token keygen --alg ES256 --kid relay-1 --out relay-1.jwk [--public-out relay-1.pub.jwk]
//   kinetic token sign --key relay-1.jwk --root demo --publish alice --subscribe "" --expires 3600
//   kinetic token sign --key hmac.jwk --format cat --scope "subscribe,fetch:demo/*:video"   (or cwt)
//   kinetic token verify --key relay-1.pub.jwk TOKEN
// JWTs carry moq-dev's root / put / get claims; CATs carry draft-ietf-moq-c4m "moqt" scopes
// (--scope; --root/--publish/--subscribe turn into scopes too). The token goes to stdout.
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "kinetic/auth/base64url.hpp"
#include "kinetic/auth/cat.hpp"
#include "kinetic/auth/cwt.hpp"
#include "kinetic/auth/jwt.hpp"
#include "kinetic/auth/scope_spec.hpp"
#include "kinetic/auth/token_verifier.hpp"
#include "kinetic/relay/relay_auth.hpp"

namespace kinetic::app::cmd_token {
namespace {

using namespace kinetic;

struct TokenOptions {
  // keygen
  std::string alg = "ES256";
  std::string kid;
  std::string out;
  std::string public_out;
  // sign / verify
  std::vector<std::string> key_files;
  std::string format = "jwt";
  std::string root;
  std::optional<std::vector<std::string>> publish, subscribe;
  std::vector<std::string> publish_args, subscribe_args;
  std::vector<std::string> scopes;
  std::int64_t expires = 3600;  // seconds from now; 0: never
  std::string subject;
  // sign: the iss (at most one) and aud claims; verify: what the relay's --auth-issuer and
  // --auth-audience would ask of the token.
  std::vector<std::string> issuers, audiences;
  std::string token;
};

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool write_file(const std::string& path, const std::string& text, bool secret) {
  std::ofstream f(path, std::ios::trunc);
  if (!f) return false;
  f << text;
  f.close();
  if (secret) ::chmod(path.c_str(), 0600);
  return static_cast<bool>(f);
}

int run_keygen(const TokenOptions& o) {
  auto alg = auth::key_alg_from_name(o.alg);
  if (!alg) {
    std::cerr << "kinetic token keygen: --alg must be HS256, ES256 or EdDSA\n";
    return 2;
  }
  auto key = auth::generate_jwk(*alg, o.kid);
  if (!key) {
    std::cerr << "kinetic token keygen: " << key.error().what << "\n";
    return 1;
  }
  if (!write_file(o.out, auth::jwk_to_json(*key, true), true)) {
    std::cerr << "kinetic token keygen: cannot write " << o.out << "\n";
    return 1;
  }
  std::cout << "wrote " << o.out << " (" << auth::jws_alg_name(*alg) << ", kid '" << o.kid << "', private: keep it secret)\n";
  if (!o.public_out.empty()) {
    if (*alg == auth::KeyAlg::kHs256) {
      std::cerr << "kinetic token keygen: an HS256 key has no public half; give the relay the same file\n";
      return 2;
    }
    if (!write_file(o.public_out, auth::jwk_to_json(key->public_part(), false), false)) {
      std::cerr << "kinetic token keygen: cannot write " << o.public_out << "\n";
      return 1;
    }
    std::cout << "wrote " << o.public_out << " (public key for relays: --auth-key " << o.public_out << ")\n";
  }
  return 0;
}

bool load_keys(const TokenOptions& o, std::vector<auth::Jwk>& keys, const char* verb) {
  if (auto err = relay::load_jwk_files(o.key_files, keys); !err.empty()) {
    std::cerr << "kinetic token " << verb << ": " << err << "\n";
    return false;
  }
  return true;
}

// --root/--publish/--subscribe as CAT scopes: the same grants a JWT with those claims gives.
std::vector<auth::Scope> path_scopes(const TokenOptions& o) {
  auth::JwtClaims c;
  c.root = o.root;
  c.publish = o.publish;
  c.subscribe = o.subscribe;
  return auth::jwt_grants(c).scopes;
}

int run_sign(const TokenOptions& o) {
  std::vector<auth::Jwk> keys;
  if (!load_keys(o, keys, "sign")) return 2;
  if (keys.size() != 1) {
    std::cerr << "kinetic token sign: --key must name exactly one key (got " << keys.size() << ")\n";
    return 2;
  }
  const auth::Jwk& key = keys.front();
  if (!key.can_sign()) {
    std::cerr << "kinetic token sign: " << o.key_files.front() << " holds a public key; signing needs the private one\n";
    return 2;
  }
  if (o.issuers.size() > 1) {
    std::cerr << "kinetic token sign: a token has one issuer (--issuer given " << o.issuers.size()
              << " times)\n";
    return 2;
  }
  const auto now = now_seconds();
  std::optional<std::int64_t> exp;
  if (o.expires > 0) exp = now + o.expires;
  auth::TokenResult<std::string> token = std::string{};
  if (o.format == "jwt") {
    if (!o.scopes.empty()) {
      std::cerr << "kinetic token sign: --scope is for --format cat; a JWT grants by --root/--publish/--subscribe\n";
      return 2;
    }
    auth::JwtClaims c;
    c.root = o.root;
    c.publish = o.publish;
    c.subscribe = o.subscribe;
    c.exp = exp;
    c.iat = now;
    c.sub = o.subject;
    if (!o.issuers.empty()) c.iss = o.issuers.front();
    if (!o.audiences.empty()) c.aud = o.audiences;
    token = auth::mint_jwt(c, key);
  } else if (o.format == "cat" || o.format == "cwt") {
    auth::CatClaims c;
    c.moqt = path_scopes(o);
    for (const auto& spec : o.scopes) {
      auto s = auth::parse_scope_spec(spec);
      if (!s) {
        std::cerr << "kinetic token sign: --scope '" << spec << "': " << s.error().what << "\n";
        return 2;
      }
      c.moqt.push_back(std::move(*s));
    }
    c.exp = exp;
    c.iat = now;
    c.sub = o.subject;
    if (!o.issuers.empty()) c.iss = o.issuers.front();
    if (!o.audiences.empty()) c.aud = o.audiences;
    if (o.format == "cat") {
      token = auth::mint_cat(c, key);
    } else {
      // The binary COSE CWT, printed in base64url (the relay takes either form).
      auto cwt = auth::mint_cwt(c, key);
      if (!cwt) {
        token = cwt.error();
      } else {
        token = auth::base64url_encode(*cwt);
      }
    }
  } else {
    std::cerr << "kinetic token sign: --format is jwt, cat or cwt\n";
    return 2;
  }
  if (!token) {
    std::cerr << "kinetic token sign: " << token.error().what << "\n";
    return 1;
  }
  std::cout << *token << "\n";
  return 0;
}

int run_verify(const TokenOptions& o) {
  std::vector<auth::Jwk> keys;
  if (!load_keys(o, keys, "verify")) return 2;
  std::string token;
  if (auto err = relay::resolve_token_arg(o.token, token); !err.empty()) {
    std::cerr << "kinetic token verify: " << err << "\n";
    return 2;
  }
  auth::TokenVerifier verifier(std::move(keys), auth::TokenPolicy{o.issuers, o.audiences});
  auto grants = verifier.verify(token, now_seconds());
  if (!grants) {
    std::cout << "refused (" << auth::token_errc_name(grants.error().code) << "): " << grants.error().what << "\n";
    return 1;
  }
  std::cout << "valid, key '" << grants->key_id << "'";
  if (!grants->subject.empty()) std::cout << ", subject '" << grants->subject << "'";
  if (!grants->issuer.empty()) std::cout << ", issuer '" << grants->issuer << "'";
  if (grants->audiences) std::cout << fmt::format(", audience '{}'", fmt::join(*grants->audiences, "', '"));
  if (grants->expires_at) std::cout << ", expires in " << (*grants->expires_at - now_seconds()) << " s";
  std::cout << "\n";
  if (grants->scopes.empty()) std::cout << "  grants nothing\n";
  for (const auto& s : grants->scopes) std::cout << "  " << auth::scope_to_spec(s) << "\n";
  return 0;
}

const app::RegisterCommand kRegister([](CLI::App& app) {
  auto o = std::make_shared<TokenOptions>();
  auto* token = app.add_subcommand("token", "Make keys (JWK) and mint or check JWT / CAT tokens for relays");
  token->require_subcommand(1);

  auto* keygen = token->add_subcommand("keygen", "Write a new key as a JWK file");
  keygen->add_option("--alg", o->alg, "HS256, ES256 or EdDSA")->capture_default_str();
  keygen->add_option("--kid", o->kid, "Key id, put in every token it signs")->required();
  keygen->add_option("--out", o->out, "Private key file (JWK, mode 0600)")->required();
  keygen->add_option("--public-out", o->public_out, "Public key file for relays (ES256 / EdDSA)");

  auto* sign = token->add_subcommand("sign", "Mint a token; prints it");
  sign->add_option("--key", o->key_files, "Private key file (JWK)")->required()->expected(1);
  sign->add_option("--format", o->format, "jwt (moq-dev claims), cat (draft-ietf-moq-c4m, compact) or cwt (the same claims as a COSE CWT, base64url)")->capture_default_str();
  sign->add_option("--root", o->root, "Root path the publish / subscribe paths are under (e.g. demo)");
  auto* publish = sign->add_option("--publish", o->publish_args,
                                   "Path (under --root) the bearer may publish under; \"\" for all; repeatable");
  auto* subscribe = sign->add_option("--subscribe", o->subscribe_args,
                                     "Path (under --root) the bearer may subscribe under; \"\" for all; repeatable");
  sign->add_option("--scope", o->scopes, "cat / cwt: ACTIONS[:NAMESPACE[:TRACK]], e.g. subscribe,fetch:demo/room-*:video");
  sign->add_option("--expires", o->expires, "Lifetime in seconds (0: no exp claim)")->capture_default_str();
  sign->add_option("--subject", o->subject, "sub claim, for the relay's logs");
  sign->add_option("--issuer", o->issuers,
                   "iss claim (a relay with --auth-issuer takes only its issuers' tokens)");
  sign->add_option("--audience", o->audiences,
                   "aud claim: the relay(s) the token is for, as their --auth-audience; repeatable");

  auto* verify = token->add_subcommand("verify", "Check a token against keys and print what it grants");
  verify->add_option("--key", o->key_files, "Key file(s) (JWK or JWK Set)")->required();
  verify->add_option("--issuer", o->issuers, "Accept only this iss, as a relay's --auth-issuer; repeatable");
  verify->add_option("--audience", o->audiences,
                     "Check aud as a relay with this --auth-audience would; repeatable");
  verify->add_option("token", o->token, "The token, or @file")->required();

  return app::Command{token, [o, keygen, sign, verify, publish, subscribe] {
    // Given at all means granted; an empty path ("") is everything under the root.
    if (publish->count() > 0) o->publish = o->publish_args.empty() ? std::vector<std::string>{""} : o->publish_args;
    if (subscribe->count() > 0)
      o->subscribe = o->subscribe_args.empty() ? std::vector<std::string>{""} : o->subscribe_args;
    if (keygen->parsed()) return run_keygen(*o);
    if (sign->parsed()) return run_sign(*o);
    if (verify->parsed()) return run_verify(*o);
    return 2;
  }};
});

}  // namespace
}  // namespace kinetic::app::cmd_token
