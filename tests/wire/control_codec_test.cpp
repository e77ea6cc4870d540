#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "control_vectors.hpp"
#include "kinetic/wire/control_message.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::wire {
namespace {

using testing::control_vectors;
using testing::full_messages;
using testing::track;

std::vector<std::uint8_t> encode(Version v, const ControlMessage& m) {
  std::vector<std::uint8_t> out;
  auto s = encode_control_message(v, m, out);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().what);
  return out;
}

Errc decode_error(Version v, std::span<const std::uint8_t> bytes) {
  auto r = decode_control_message(v, bytes);
  EXPECT_FALSE(r.ok());
  return r.ok() ? Errc::kBufferTooSmall : r.error().code;
}

std::string label(const testing::ControlVector& vec) { return vec.name + "/" + std::string(alpn(vec.version)); }

TEST(ControlCodec, VectorsDecodeToTheirMessage) {
  for (const auto& vec : control_vectors()) {
    auto r = decode_control_message(vec.version, vec.bytes);
    ASSERT_TRUE(r.ok()) << label(vec) << ": " << r.error().what;
    EXPECT_EQ(r->consumed, vec.bytes.size()) << label(vec);
    EXPECT_TRUE(r->message == vec.message) << label(vec);
  }
}

TEST(ControlCodec, VectorsEncodeToTheirBytes) {
  for (const auto& vec : control_vectors()) {
    EXPECT_EQ(encode(vec.version, vec.message), vec.bytes) << label(vec);
  }
}

TEST(ControlCodec, EveryTruncationNeedsMoreBytes) {
  for (const auto& vec : control_vectors()) {
    for (std::size_t n = 0; n < vec.bytes.size(); ++n) {
      auto r = decode_control_message(vec.version, std::span(vec.bytes).first(n));
      ASSERT_FALSE(r.ok()) << label(vec) << " at " << n;
      EXPECT_EQ(r.error().code, Errc::kNeedMoreBytes) << label(vec) << " at " << n;
    }
  }
}

TEST(ControlCodec, EverySingleByteCorruptionDecodesOrFails) {
  std::size_t decoded = 0, failed = 0;
  for (const auto& vec : control_vectors()) {
    for (std::size_t i = 0; i < vec.bytes.size(); ++i) {
      auto bytes = vec.bytes;
      for (int b = 0; b < 256; ++b) {
        bytes[i] = static_cast<std::uint8_t>(b);
        auto r = decode_control_message(vec.version, bytes);
        if (r.ok()) {
          ++decoded;
          // Whatever decodes must encode again (possibly more compactly) and decode the same.
          std::vector<std::uint8_t> again;
          ASSERT_TRUE(encode_control_message(vec.version, r->message, again).ok()) << label(vec) << " @" << i;
          auto back = decode_control_message(vec.version, again);
          ASSERT_TRUE(back.ok()) << label(vec) << " @" << i;
          EXPECT_TRUE(back->message == r->message) << label(vec) << " @" << i;
        } else {
          ++failed;
        }
      }
    }
  }
  EXPECT_GT(decoded, 0u);
  EXPECT_GT(failed, 0u);
}

TEST(ControlCodec, FullMessagesRoundTripInBothVersions) {
  for (Version v : kSupportedVersions) {
    std::set<MessageType> seen;
    for (const auto& m : full_messages(v)) {
      const auto bytes = encode(v, m);
      auto r = decode_control_message(v, bytes);
      ASSERT_TRUE(r.ok()) << message_name(v, message_type(m)) << ": " << r.error().what;
      EXPECT_EQ(r->consumed, bytes.size());
      EXPECT_TRUE(r->message == m) << message_name(v, message_type(m)) << " in " << alpn(v);
      seen.insert(message_type(m));
    }
    for (std::uint64_t id = 0; id < 0x3000; ++id) {
      if (auto t = message_type_from_wire(v, id)) {
        EXPECT_TRUE(seen.count(*t)) << "no round trip for " << id;
      }
    }
  }
}

TEST(ControlCodec, EveryParameterKindIsExercised) {
  // Each parameter the version defines appears in at least one full message.
  for (Version v : kSupportedVersions) {
    MessageParameters any;
    std::size_t kinds = 0;
    for (const auto& m : full_messages(v)) {
      std::visit(
          [&](const auto& msg) {
            if constexpr (requires { msg.parameters; }) {
              const auto& p = msg.parameters;
              if (p.object_delivery_timeout) any.object_delivery_timeout = p.object_delivery_timeout;
              if (!p.authorization_tokens.empty()) any.authorization_tokens = p.authorization_tokens;
              if (p.rendezvous_timeout) any.rendezvous_timeout = p.rendezvous_timeout;
              if (p.subgroup_delivery_timeout) any.subgroup_delivery_timeout = p.subgroup_delivery_timeout;
              if (p.expires) any.expires = p.expires;
              if (p.largest_object) any.largest_object = p.largest_object;
              if (p.fill_timeout) any.fill_timeout = p.fill_timeout;
              if (p.forward) any.forward = p.forward;
              if (p.subscriber_priority) any.subscriber_priority = p.subscriber_priority;
              if (p.subscription_filter) any.subscription_filter = p.subscription_filter;
              if (p.location_filter) any.location_filter = p.location_filter;
              if (p.group_order) any.group_order = p.group_order;
              if (!p.range_filters.empty()) any.range_filters.insert(any.range_filters.end(), p.range_filters.begin(), p.range_filters.end());
              if (p.new_group_request) any.new_group_request = p.new_group_request;
              if (p.track_namespace_prefix) any.track_namespace_prefix = p.track_namespace_prefix;
              if (p.include_properties) any.include_properties = p.include_properties;
            }
          },
          m);
    }
    std::set<ParameterType> filter_kinds;
    for (const auto& rf : any.range_filters) filter_kinds.insert(rf.type);
    kinds = any.count() - any.authorization_tokens.size() - any.range_filters.size() + 1 + filter_kinds.size();
    const std::size_t expected = features(v).range_filters ? 19 : 13;  // the IANA table of each draft
    EXPECT_EQ(kinds, expected) << alpn(v);
  }
}

TEST(ControlCodec, MessagesTheVersionLacksAreRefused) {
  std::vector<std::uint8_t> out;
  EXPECT_EQ(encode_control_message(Version::kDraft20, PublishOk{}, out).error().code, Errc::kVersionMismatch);
  EXPECT_EQ(encode_control_message(Version::kDraft18, PublishStateNotify{}, out).error().code, Errc::kVersionMismatch);
  EXPECT_TRUE(out.empty());
  // 0x1E is reserved in draft-20 and 0x22 unknown in draft-18.
  const std::vector<std::uint8_t> publish_ok = {0x1e, 0x00, 0x01, 0x00};
  const std::vector<std::uint8_t> notify = {0x22, 0x00, 0x01, 0x00};
  EXPECT_EQ(decode_error(Version::kDraft20, publish_ok), Errc::kUnknownMessage);
  EXPECT_EQ(decode_error(Version::kDraft18, notify), Errc::kUnknownMessage);
  EXPECT_TRUE(decode_control_message(Version::kDraft18, publish_ok).ok());
  EXPECT_TRUE(decode_control_message(Version::kDraft20, notify).ok());
}

TEST(ControlCodec, FieldsTheVersionLacksAreRefused) {
  std::vector<std::uint8_t> out;
  EXPECT_EQ(encode_control_message(Version::kDraft20, Goaway{"", 1, 2}, out).error().code, Errc::kVersionMismatch);

  Fetch fetch;
  fetch.standalone = StandaloneFetch{track({"n"}, "t"), Location{0, 0}, Location{1, 0}};
  EXPECT_EQ(encode_control_message(Version::kDraft20, fetch, out).error().code, Errc::kVersionMismatch);
  fetch.standalone.start.reset();
  fetch.standalone.end.reset();
  EXPECT_EQ(encode_control_message(Version::kDraft18, fetch, out).error().code, Errc::kInvalidValue);

  Subscribe sub{0, track({"n"}, "t"), {}};
  sub.parameters.location_filter = LocationFilter{1, std::nullopt, std::nullopt, std::nullopt};
  EXPECT_EQ(encode_control_message(Version::kDraft18, sub, out).error().code, Errc::kVersionMismatch);
  sub.parameters = {};
  sub.parameters.subscription_filter = SubscriptionFilter{};
  EXPECT_EQ(encode_control_message(Version::kDraft20, sub, out).error().code, Errc::kVersionMismatch);

  wire::Setup setup;
  setup.options.max_request_updates = 1;
  EXPECT_EQ(encode_control_message(Version::kDraft18, setup, out).error().code, Errc::kVersionMismatch);
  EXPECT_TRUE(out.empty());
}

TEST(ControlCodec, Draft18ReadsDraft20SetupOptionsAsUnknown) {
  for (const auto& vec : control_vectors()) {
    if (vec.name != "setup" || vec.version != Version::kDraft20) continue;
    auto r = decode_control_message(Version::kDraft18, vec.bytes);
    ASSERT_TRUE(r.ok());
    const auto& options = std::get<wire::Setup>(r->message).options;
    EXPECT_FALSE(options.max_filter_ranges);
    EXPECT_EQ(options.unknown, (KeyValueList{KeyValuePair::varint(0x06, 8), KeyValuePair::varint(0x08, 4)}));
  }
}

TEST(ControlCodec, GoawayRequestIdFollowsTheLength) {
  // draft-20 has no Request ID, so a trailing byte is a length mismatch.
  const std::vector<std::uint8_t> with_id = {0x10, 0x00, 0x03, 0x00, 0x64, 0x04};
  EXPECT_EQ(decode_error(Version::kDraft20, with_id), Errc::kProtocolViolation);
}

TEST(ControlCodec, GoawayUriOver8192Bytes) {
  std::vector<std::uint8_t> bytes = {0x10, 0x20, 0x04,  // GOAWAY, length 8196
                                     0xa0, 0x01};       // URI length 8193
  bytes.resize(bytes.size() + 8193, 'u');
  bytes.push_back(0x00);  // Timeout
  for (Version v : kSupportedVersions) EXPECT_EQ(decode_error(v, bytes), Errc::kProtocolViolation);
  std::vector<std::uint8_t> out;
  EXPECT_EQ(encode_control_message(Version::kDraft20, Goaway{std::string(8193, 'u'), 0, std::nullopt}, out)
                .error()
                .code,
            Errc::kLimitExceeded);
}

TEST(ControlCodec, NonMinimalVarintsDecode) {
  // SUBSCRIBE_NAMESPACE with type and Request ID in longer encodings than needed.
  const std::vector<std::uint8_t> bytes = {0xc0, 0x00, 0x50,  // type 0x50 in 3 bytes
                                           0x00, 0x04,        // length 4
                                           0x80, 0x10,        // Request ID 16 in 2 bytes
                                           0x00, 0x00};       // empty prefix, 0 parameters
  auto r = decode_control_message(Version::kDraft20, bytes);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->message == ControlMessage(SubscribeNamespace{16, {}, {}}));
}

TEST(ControlCodec, LengthMismatchIsAProtocolViolation) {
  // PUBLISH_DONE with one byte more than its fields, then one byte less.
  const std::vector<std::uint8_t> longer = {0x0b, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00};
  const std::vector<std::uint8_t> shorter = {0x0b, 0x00, 0x02, 0x00, 0x00};
  for (Version v : kSupportedVersions) {
    EXPECT_EQ(decode_error(v, longer), Errc::kProtocolViolation);
    EXPECT_EQ(decode_error(v, shorter), Errc::kProtocolViolation);
  }
}

TEST(ControlCodec, UnknownTypeIsRefusedBeforeItsBody) {
  const std::vector<std::uint8_t> bytes = {0x01};  // RESERVED (SETUP for version 00)
  for (Version v : kSupportedVersions) EXPECT_EQ(decode_error(v, bytes), Errc::kUnknownMessage);
  const std::vector<std::uint8_t> client_setup = {0x20, 0x00, 0x00};
  for (Version v : kSupportedVersions) EXPECT_EQ(decode_error(v, client_setup), Errc::kUnknownMessage);
}

TEST(ControlCodec, BodyOver65535BytesCannotBeEncoded) {
  Publish m{1, track({"n"}, "t"), 1, {}, {KeyValuePair::blob(1, std::string(40000, 'a')),
                                           KeyValuePair::blob(3, std::string(40000, 'b'))}};
  std::vector<std::uint8_t> out = {0xaa};
  auto s = encode_control_message(Version::kDraft20, m, out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kLimitExceeded);
  EXPECT_EQ(out, std::vector<std::uint8_t>{0xaa});  // nothing appended
}

TEST(ControlCodec, ReasonPhraseOver1024Bytes) {
  std::vector<std::uint8_t> out;
  EXPECT_EQ(encode_control_message(Version::kDraft18, PublishDone{0, 0, std::string(1025, 'x')}, out).error().code,
            Errc::kLimitExceeded);
  // A 1025-byte reason on the wire: refused from its length alone.
  std::vector<std::uint8_t> bytes = {0x05, 0x04, 0x05, 0x00, 0x00, 0x84, 0x01};
  bytes.resize(bytes.size() + 1025, 'x');
  EXPECT_EQ(decode_error(Version::kDraft20, bytes), Errc::kProtocolViolation);
}

TEST(ControlCodec, NamespaceLimits) {
  // 33 namespace fields.
  std::vector<std::uint8_t> too_many = {0x08, 0x00, 0x00, 0x21};
  for (int i = 0; i < 33; ++i) too_many.insert(too_many.end(), {0x01, 'a'});
  too_many[2] = static_cast<std::uint8_t>(too_many.size() - 3);
  EXPECT_EQ(decode_error(Version::kDraft20, too_many), Errc::kProtocolViolation);

  // One field of 4097 bytes.
  std::vector<std::uint8_t> too_long = {0x08, 0x10, 0x04, 0x01, 0x90, 0x01};
  too_long.resize(too_long.size() + 4097, 'a');
  EXPECT_EQ(decode_error(Version::kDraft18, too_long), Errc::kProtocolViolation);

  // Namespace of 4000 bytes and a track name of 97: the Full Track Name passes 4096.
  PublishSkipped m{track({std::string(4000, 'n')}, std::string(96, 't'))};
  auto ok = encode(Version::kDraft20, m);
  EXPECT_TRUE(decode_control_message(Version::kDraft20, ok).ok());
  m.track.name.push_back('t');
  std::vector<std::uint8_t> out;
  EXPECT_EQ(encode_control_message(Version::kDraft20, m, out).error().code, Errc::kLimitExceeded);
  // Same on the wire: bump the name length by one and append a byte.
  auto bad = ok;
  bad[1] = 0x10;
  bad[2] = static_cast<std::uint8_t>(bad[2] + 1);
  bad[bad.size() - 97] = 97;
  bad.push_back('t');
  EXPECT_EQ(decode_error(Version::kDraft20, bad), Errc::kProtocolViolation);

  // An empty field.
  const std::vector<std::uint8_t> empty_field = {0x08, 0x00, 0x02, 0x01, 0x00};
  EXPECT_EQ(decode_error(Version::kDraft20, empty_field), Errc::kProtocolViolation);
}

TEST(ControlCodec, TooManyParameters) {
  // REQUEST_OK declaring 257 parameters: refused on the count, before any is read.
  const std::vector<std::uint8_t> bytes = {0x07, 0x00, 0x02, 0x81, 0x01};
  EXPECT_EQ(decode_error(Version::kDraft20, bytes), Errc::kLimitExceeded);
  RequestUpdate m{0, {}};
  for (int i = 0; i < 257; ++i) m.parameters.authorization_tokens.push_back(AuthorizationToken::use_alias(1));
  std::vector<std::uint8_t> out;
  EXPECT_EQ(encode_control_message(Version::kDraft20, m, out).error().code, Errc::kLimitExceeded);
}

TEST(ControlCodec, KeyValueDeltaOverflow) {
  // SETUP whose second option's delta type passes 2^64 - 1.
  const std::vector<std::uint8_t> bytes = {0xaf, 0x00, 0x00, 0x0c,
                                           0x02, 0x00,  // type 2
                                           0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                           0x00};
  EXPECT_EQ(decode_error(Version::kDraft18, bytes), Errc::kProtocolViolation);
}

TEST(ControlCodec, RedirectOnlyWithTheRedirectCode) {
  std::vector<std::uint8_t> out;
  EXPECT_EQ(encode_control_message(Version::kDraft20, RequestError{0x34, 0, "", std::nullopt}, out).error().code,
            Errc::kInvalidValue);
  EXPECT_EQ(encode_control_message(Version::kDraft20, RequestError{0x10, 0, "", Redirect{}}, out).error().code,
            Errc::kInvalidValue);
}

TEST(ControlCodec, FetchAndFetchOkRefuseBadEnumerations) {
  const std::vector<std::uint8_t> fetch_type_4 = {0x16, 0x00, 0x03, 0x00, 0x04, 0x00};
  const std::vector<std::uint8_t> end_of_track_2 = {0x18, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00};
  for (Version v : kSupportedVersions) {
    EXPECT_EQ(decode_error(v, fetch_type_4), Errc::kProtocolViolation);
    EXPECT_EQ(decode_error(v, end_of_track_2), Errc::kProtocolViolation);
  }
}

TEST(ControlCodec, MessageNamesFollowTheVersion) {
  EXPECT_EQ(message_name(Version::kDraft18, MessageType::kPublishBlocked), "PUBLISH_BLOCKED");
  EXPECT_EQ(message_name(Version::kDraft20, MessageType::kPublishSkipped), "PUBLISH_SKIPPED");
  EXPECT_EQ(message_type(ControlMessage(PublishBlocked{})), MessageType::kPublishSkipped);
}

// The fuzz seeds (fuzz/corpus/control_message) are these vectors; run this test with
// KINETIC_WRITE_CORPUS=1 to rewrite them after changing a vector.
TEST(ControlCodec, FuzzCorpusHoldsEveryVector) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(KINETIC_SOURCE_DIR) / "fuzz" / "corpus" / "control_message";
  const bool write = std::getenv("KINETIC_WRITE_CORPUS") != nullptr;
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> seeds;
  for (const auto& vec : control_vectors()) {
    // First byte: bit 0 the draft, bits 1..7 the chunk size minus one (here 1 byte).
    std::vector<std::uint8_t> seed = {static_cast<std::uint8_t>(vec.version == Version::kDraft20 ? 1 : 0)};
    seed.insert(seed.end(), vec.bytes.begin(), vec.bytes.end());
    seeds.emplace_back(vec.name + "-" + std::string(alpn(vec.version)), seed);
  }
  // The two wire formats (21 and 22 encode as 20); bit 0 of a seed picks one of them.
  for (Version v : {Version::kDraft18, Version::kDraft20}) {
    std::vector<std::uint8_t> seed = {static_cast<std::uint8_t>((v == Version::kDraft20 ? 1 : 0) | (6 << 1))};
    for (const auto& m : full_messages(v)) ASSERT_TRUE(encode_control_message(v, m, seed).ok());
    seeds.emplace_back("stream-" + std::string(alpn(v)), seed);
  }
  if (write) fs::create_directories(dir);
  for (const auto& [name, seed] : seeds) {
    const fs::path file = dir / name;
    if (write) {
      std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(seed.data()),
                                                  static_cast<std::streamsize>(seed.size()));
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    ASSERT_TRUE(in) << file << " missing: rerun with KINETIC_WRITE_CORPUS=1";
    const std::vector<std::uint8_t> stored((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(stored, seed) << file;
  }
}

}  // namespace
}  // namespace kinetic::wire
