// The publisher's FETCH data stream (ServedFetch's data half): the FETCH_HEADER, objects coded
// in the order the requester asked for, and what ends the stream. Most tests read the stream
// through a requesting Session; the rest read the raw bytes, for what a Session cannot ask
// for (descending order) or cannot show (reset codes).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/wire/data_fetch.hpp"
#include "moqt_fixture.hpp"

namespace kinetic::moqt::testing {
namespace {

Object object(std::uint64_t group, std::uint64_t id, std::string_view payload = "p") {
  Object o;
  o.group_id = group;
  o.object_id = id;
  o.payload = bytes(payload);
  return o;
}

// A requester without MoQT above it: keeps every uni stream the publisher opens and what
// arrives on it, so the FETCH data stream can be decoded byte for byte.
struct RawFetchPeer : RawPeer, transport::StreamHandler {
  void on_incoming_stream(transport::Session&, transport::Stream& s) override {
    s.set_handler(this);
    streams[s.id()].stream = &s;
  }
  void on_data(transport::Stream& s, std::span<const std::uint8_t> data, bool fin) override {
    auto& in = streams[s.id()];
    in.bytes.insert(in.bytes.end(), data.begin(), data.end());
    in.fin = in.fin || fin;
  }
  void on_reset(transport::Stream& s, transport::ErrorCode code) override { streams[s.id()].reset = code; }

  struct Incoming {
    transport::Stream* stream = nullptr;
    std::vector<std::uint8_t> bytes;
    bool fin = false;
    std::optional<transport::ErrorCode> reset;
  };
  // The stream that begins with a FETCH_HEADER, if one arrived.
  Incoming* fetch_stream() {
    for (auto& [id, in] : streams) {
      wire::ByteReader r(in.bytes);
      if (wire::read_fetch_header(r)) return &in;
    }
    return nullptr;
  }

  std::map<transport::StreamId, Incoming> streams;
};

class ServedFetchDataTest : public MoqtTest {
 protected:
  // A standalone FETCH from the client session, left pending at the publisher.
  std::shared_ptr<ServedFetch> requested(FetchRange range) {
    sh.on_fetch_fn = [](ServedFetch&) {};
    fetch = client->fetch(range, &rf);
    run();
    EXPECT_EQ(sh.fetches.size(), 1u);
    return sh.fetches.empty() ? nullptr : sh.fetches.back();
  }

  // A standalone FETCH of all of track live/v written by `raw` as bytes, with `order`.
  std::shared_ptr<ServedFetch> raw_request(RawFetchPeer& raw, std::optional<wire::GroupOrder> order) {
    sh.on_fetch_fn = [](ServedFetch&) {};
    raw_peer = serve_raw(raw);
    const auto v = server->version();
    auto setup = encoded(v, wire::Setup{});
    raw_peer->open_uni()->write(std::span<const std::uint8_t>(setup));
    wire::Fetch m;
    m.request_id = 0;
    m.standalone.track = track("live", "v");
    if (wire::features(v).fetch_locations_in_body) {
      m.standalone.start = wire::Location{0, 0};
      m.standalone.end = wire::Location{100, 0};
    } else {
      wire::LocationFilter lf;
      lf.start_group = 0;
      lf.start_object = 0;
      lf.end_group_delta = 100;
      m.parameters.location_filter = lf;
    }
    m.parameters.group_order = order;
    auto request = encoded(v, m);
    raw_request_stream = raw_peer->open_bidi();
    raw_request_stream->set_handler(&raw_replies);
    raw_request_stream->write(std::span<const std::uint8_t>(request));
    run();
    EXPECT_EQ(sh.fetches.size(), 1u);
    return sh.fetches.empty() ? nullptr : sh.fetches.back();
  }

  RecordingFetch rf;
  std::shared_ptr<Fetch> fetch;
  transport::SessionPtr raw_peer;
  transport::Stream* raw_request_stream = nullptr;
  RawReplies raw_replies{wire::Version::kDraft18};
};

TEST_P(ServedFetchDataTest, WritesBeforeAcceptAreRefusedAndSendNothing) {
  connect();
  auto f = requested({track("live", "v"), {0, 0}, 5, {}});
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(f->write(object(0, 0)));
  EXPECT_EQ(f->queued_bytes(), 0u);
  // Neither ends a request that has not been answered yet.
  f->finish();
  f->reset(9);
  EXPECT_EQ(f->state(), RequestState::kPending);
  run();
  EXPECT_FALSE(rf.ok.has_value());
  EXPECT_FALSE(rf.complete.has_value());

  f->accept({false, {0, 1}, GroupOrder::kAscending});
  EXPECT_EQ(f->state(), RequestState::kActive);
  EXPECT_TRUE(f->write(object(0, 1)));
  f->finish();
  run();
  ASSERT_TRUE(rf.ok);
  ASSERT_EQ(rf.objects.size(), 1u);
  EXPECT_EQ(rf.objects[0].location(), (Location{0, 1}));
  EXPECT_EQ(rf.complete, true);
}

TEST_P(ServedFetchDataTest, ObjectsKeepTheirIdsPriorityPropertiesAndPayload) {
  connect();
  auto f = requested({track("live", "v"), {1, 0}, 3, {}});
  ASSERT_NE(f, nullptr);
  f->accept({false, {3, 0}, GroupOrder::kAscending});

  std::vector<Object> sent;
  sent.push_back(object(1, 0, "first"));
  sent.back().publisher_priority = 10;
  // In ascending type order, as the wire carries them.
  sent.back().properties = {wire::KeyValuePair::blob(0x0D, "cfg"), wire::KeyValuePair::varint(0x10, 1000)};
  // Next in line, in a new subgroup, with the same priority: coded against the prior object.
  sent.push_back(object(1, 1, "second"));
  sent.back().subgroup_id = 7;
  sent.back().publisher_priority = 10;
  // A gap in the object IDs and in the groups.
  sent.push_back(object(1, 9, ""));
  sent.back().subgroup_id = 8;
  sent.push_back(object(3, 0, std::string(3000, 'x')));
  sent.back().publisher_priority = 255;
  sent.back().datagram = true;
  for (const auto& o : sent) EXPECT_TRUE(f->write(o)) << o.group_id << "/" << o.object_id;
  f->finish();
  run();

  ASSERT_EQ(rf.objects.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const Object& got = rf.objects[i];
    const Object& want = sent[i];
    EXPECT_EQ(got.location(), want.location()) << i;
    EXPECT_EQ(got.publisher_priority, want.publisher_priority) << i;
    EXPECT_EQ(got.datagram, want.datagram) << i;
    if (!want.datagram) {
      EXPECT_EQ(got.subgroup_id, want.subgroup_id) << i;
    }
    EXPECT_EQ(got.properties, want.properties) << i;
    EXPECT_EQ(text(got.payload), text(want.payload)) << i;
  }
  EXPECT_EQ(rf.complete, true);
}

// Draft-20 Range Filters on a FETCH reach the publisher with the request, and what fails them is
// passed over rather than sent. Draft-18 has none: the requester will not send them.
TEST_P(ServedFetchDataTest, RangeFiltersPassOverTheObjectsTheyExclude) {
  connect();
  // Set 0: object 0 of each group; set 1: publisher priority 200 and above.
  const std::vector<RangeFilter> filters{{RangeField::kObjectId, 0, 0, {{0, 0}}},
                                         {RangeField::kPriority, 1, 0, {{200, 255}}}};
  sh.on_fetch_fn = [](ServedFetch&) {};
  fetch = client->fetch({track("live", "v"), {0, 0}, 5, {}}, &rf, kDefaultPriority, {}, filters);
  if (GetParam() == "moqt-18") {
    ASSERT_TRUE(rf.error);
    EXPECT_EQ(rf.error->code, static_cast<std::uint64_t>(wire::RequestErrorCode::kNotSupported));
    return;
  }
  run();
  ASSERT_EQ(sh.fetches.size(), 1u);
  auto f = sh.fetches.back();
  EXPECT_EQ(f->range_filters(), filters);
  f->accept({false, {2, 2}, GroupOrder::kAscending});
  auto obj = [&](std::uint64_t group, std::uint64_t id, std::uint8_t priority) {
    Object o = object(group, id, "x");
    o.publisher_priority = priority;
    return o;
  };
  for (const auto& o : {obj(0, 0, 128), obj(0, 1, 128), obj(1, 0, 128), obj(1, 1, 255), obj(2, 2, 10)}) {
    EXPECT_TRUE(f->write(o)) << o.group_id << "/" << o.object_id;
  }
  f->finish();
  run();
  ASSERT_EQ(rf.objects.size(), 3u);
  EXPECT_EQ(rf.objects[0].location(), (Location{0, 0}));
  EXPECT_EQ(rf.objects[1].location(), (Location{1, 0}));
  EXPECT_EQ(rf.objects[2].location(), (Location{1, 1}));
  EXPECT_EQ(rf.complete, true);
}

TEST_P(ServedFetchDataTest, ObjectsBeforeTheRangeStartAreRefused) {
  connect();
  auto f = requested({track("live", "v"), {5, 3}, 6, {}});
  ASSERT_NE(f, nullptr);
  f->accept({false, {6, 0}, GroupOrder::kAscending});
  const std::size_t header_only = f->queued_bytes();
  EXPECT_FALSE(f->write(object(4, 9)));
  EXPECT_FALSE(f->write(object(5, 2)));
  EXPECT_EQ(f->queued_bytes(), header_only) << "a refused object must leave nothing on the stream";
  EXPECT_TRUE(f->write(object(5, 3)));
  f->finish();
  run();
  ASSERT_EQ(rf.objects.size(), 1u);
  EXPECT_EQ(rf.objects[0].location(), (Location{5, 3}));
  EXPECT_EQ(rf.complete, true);
}

TEST_P(ServedFetchDataTest, OutOfOrderObjectsAreRefusedWithoutBreakingTheStream) {
  connect();
  auto f = requested({track("live", "v"), {0, 0}, 9, {}});
  ASSERT_NE(f, nullptr);
  f->accept({false, {9, 0}, GroupOrder::kAscending});
  EXPECT_TRUE(f->write(object(2, 4)));
  EXPECT_FALSE(f->write(object(2, 4))) << "the same location twice";
  EXPECT_FALSE(f->write(object(2, 3))) << "an object ID going back";
  EXPECT_FALSE(f->write(object(1, 8))) << "a group going back";
  // The stream still decodes: what follows is coded against the last object sent.
  EXPECT_TRUE(f->write(object(2, 5)));
  EXPECT_TRUE(f->write(object(4, 0)));
  f->finish();
  run();
  ASSERT_EQ(rf.objects.size(), 3u);
  EXPECT_EQ(rf.objects[0].location(), (Location{2, 4}));
  EXPECT_EQ(rf.objects[1].location(), (Location{2, 5}));
  EXPECT_EQ(rf.objects[2].location(), (Location{4, 0}));
  EXPECT_EQ(rf.complete, true);
  EXPECT_FALSE(ch.closed);
}

TEST_P(ServedFetchDataTest, FinishEndsTheStreamAndNothingFollows) {
  connect();
  auto f = requested({track("live", "v"), {0, 0}, 5, {}});
  ASSERT_NE(f, nullptr);
  f->accept({false, {1, 0}, GroupOrder::kAscending});
  EXPECT_TRUE(f->write(object(0, 0)));
  f->finish();
  EXPECT_EQ(f->state(), RequestState::kDone);
  EXPECT_FALSE(f->write(object(1, 0)));
  f->finish();
  f->reset(3);  // too late: the stream was already finished
  run();
  ASSERT_EQ(rf.objects.size(), 1u);
  EXPECT_EQ(rf.complete, true);
}

TEST_P(ServedFetchDataTest, ResetAbandonsTheStream) {
  connect();
  auto f = requested({track("live", "v"), {0, 0}, 5, {}});
  ASSERT_NE(f, nullptr);
  f->accept({false, {5, 0}, GroupOrder::kAscending});
  EXPECT_TRUE(f->write(object(0, 0)));
  run();
  f->reset(static_cast<std::uint64_t>(wire::StreamResetCode::kInternalError));
  EXPECT_EQ(f->state(), RequestState::kDone);
  EXPECT_FALSE(f->write(object(0, 1)));
  f->finish();
  run();
  EXPECT_EQ(rf.complete, false);
  EXPECT_EQ(rf.objects.size(), 1u);
}

TEST_P(ServedFetchDataTest, QueuedBytesFollowTheDataStreamBacklog) {
  transport::memory::LinkConfig config;
  config.to_client.bandwidth_bps = 1'000'000;
  connect(config);
  auto f = requested({track("live", "v"), {0, 0}, 5, {}});
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->queued_bytes(), 0u);
  f->accept({false, {0, 9}, GroupOrder::kAscending});
  for (std::uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(f->write(object(0, i, std::string(5000, 'q'))));
  // 50 kB cannot leave at 1 Mbit/s at once.
  EXPECT_GT(f->queued_bytes(), 40'000u);
  f->finish();
  ASSERT_TRUE(loop.run_until([&] { return rf.complete.has_value(); }, 5s));
  EXPECT_EQ(rf.objects.size(), 10u);
  EXPECT_EQ(f->queued_bytes(), 0u);
}

TEST_P(ServedFetchDataTest, ObjectStatusIsNotSentAsAnEmptyObject) {
  connect();
  auto f = requested({track("live", "v"), {0, 0}, 5, {}});
  ASSERT_NE(f, nullptr);
  f->accept({false, {1, 0}, GroupOrder::kAscending});
  EXPECT_TRUE(f->write(object(0, 0)));
  // FETCH objects carry no Object Status (draft-18, Object Status): an End of Group marker sent
  // as an object would tell the requester that an empty object exists at its location.
  Object end_of_group = object(0, 1, "");
  end_of_group.status = ObjectStatus::kEndOfGroup;
  EXPECT_FALSE(f->write(end_of_group));
  Object end_of_track = object(1, 0, "");
  end_of_track.status = ObjectStatus::kEndOfTrack;
  EXPECT_FALSE(f->write(end_of_track));
  // An empty Normal object is a real object and is sent.
  EXPECT_TRUE(f->write(object(1, 0, "")));
  f->finish();
  run();
  ASSERT_EQ(rf.objects.size(), 2u);
  EXPECT_EQ(rf.objects[0].location(), (Location{0, 0}));
  EXPECT_EQ(rf.objects[1].location(), (Location{1, 0}));
  EXPECT_EQ(rf.complete, true);
}

TEST_P(ServedFetchDataTest, DataStreamStartsWithAFetchHeaderNamingTheRequest) {
  RawFetchPeer raw;
  auto f = raw_request(raw, std::nullopt);
  ASSERT_NE(f, nullptr);
  f->accept({false, {2, 0}, GroupOrder::kAscending});
  EXPECT_TRUE(f->write(object(1, 0, "ab")));
  EXPECT_TRUE(f->write(object(2, 0, "cd")));
  f->finish();
  run();
  auto* in = raw.fetch_stream();
  ASSERT_NE(in, nullptr);
  EXPECT_TRUE(in->fin);
  auto decoded = wire::decode_fetch_stream(SharedBytes(in->bytes), server->version());
  ASSERT_TRUE(decoded) << decoded.error().what;
  EXPECT_EQ(decoded->header.request_id, 0u);
  ASSERT_EQ(decoded->entries.size(), 2u);
  EXPECT_EQ(decoded->entries[0].object.group_id, 1u);
  EXPECT_EQ(text(decoded->entries[0].object.payload), "ab");
  EXPECT_EQ(decoded->entries[1].object.group_id, 2u);
  EXPECT_EQ(text(decoded->entries[1].object.payload), "cd");
}

TEST_P(ServedFetchDataTest, DescendingFetchTakesNewerGroupsFirst) {
  RawFetchPeer raw;
  auto f = raw_request(raw, wire::GroupOrder::kDescending);
  ASSERT_NE(f, nullptr);
  f->accept({false, {9, 0}, GroupOrder::kDescending});
  EXPECT_TRUE(f->write(object(9, 0)));
  EXPECT_TRUE(f->write(object(9, 1)));
  EXPECT_TRUE(f->write(object(4, 2)));
  EXPECT_FALSE(f->write(object(6, 0))) << "a group going up in a descending fetch";
  EXPECT_FALSE(f->write(object(4, 1))) << "objects still ascend within a group";
  EXPECT_TRUE(f->write(object(0, 0)));
  f->finish();
  run();
  auto* in = raw.fetch_stream();
  ASSERT_NE(in, nullptr);
  auto decoded =
      wire::decode_fetch_stream(SharedBytes(in->bytes), server->version(), wire::GroupOrder::kDescending);
  ASSERT_TRUE(decoded) << decoded.error().what;
  std::vector<Location> got;
  for (const auto& e : decoded->entries) got.push_back({e.object.group_id, e.object.object_id});
  EXPECT_EQ(got, (std::vector<Location>{{9, 0}, {9, 1}, {4, 2}, {0, 0}}));
}

TEST_P(ServedFetchDataTest, StopSendingFromTheRequesterResetsTheStreamAsCancelled) {
  RawFetchPeer raw;
  auto f = raw_request(raw, std::nullopt);
  ASSERT_NE(f, nullptr);
  f->accept({false, {5, 0}, GroupOrder::kAscending});
  EXPECT_TRUE(f->write(object(0, 0)));
  run();
  auto* in = raw.fetch_stream();
  ASSERT_NE(in, nullptr);
  ASSERT_NE(in->stream, nullptr);
  in->stream->stop_sending(0x55);
  run();
  EXPECT_EQ(f->state(), RequestState::kDone);
  ASSERT_TRUE(in->reset.has_value());
  EXPECT_EQ(*in->reset, static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled));
  EXPECT_FALSE(f->write(object(0, 1)));
  EXPECT_EQ(f->queued_bytes(), 0u);
  EXPECT_FALSE(raw.closed.has_value()) << "a cancelled fetch is not a session error";
}

INSTANTIATE_TEST_SUITE_P(Drafts, ServedFetchDataTest, ::testing::Values("moqt-18", "moqt-20"), version_name);

}  // namespace
}  // namespace kinetic::moqt::testing
