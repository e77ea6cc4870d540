// The in-process session between two loops on two threads: bytes both ways as the writer's
// SharedBytes (pointer identity, reference counts), one post per turn's writes, resets, STOP_SENDING and closes from
// either side, and halves destroyed while tasks are still queued both ways (run under ASan).
#include "kinetic/transport/inproc/inproc_session.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "../memory/recording_handlers.hpp"
#include "kinetic/transport/epoll_loop.hpp"

namespace kinetic::transport::inproc {
namespace {

using namespace std::chrono_literals;
using memory::testing::RecordingSession;
using memory::testing::RecordingStream;

// b as the server half sees it, counting what is posted to it (from either thread).
class CountingLoop final : public EventLoop {
 public:
  explicit CountingLoop(EventLoop& inner) : inner_(inner) {}
  [[nodiscard]] TimePoint now() const override { return inner_.now(); }
  TimerId schedule_at(TimePoint when, std::function<void()> fn) override { return inner_.schedule_at(when, std::move(fn)); }
  void cancel(TimerId id) override { inner_.cancel(id); }
  void post(std::function<void()> fn) override {
    posts.fetch_add(1);
    inner_.post(std::move(fn));
  }
  std::atomic<int> posts{0};

 private:
  EventLoop& inner_;
};

// Loop `a` runs on the test thread (run_until), loop `b` on a thread of its own.
class InprocSessionTest : public ::testing::Test {
 protected:
  // Runs `fn` on b's thread and waits for its result.
  template <class F>
  auto on_b(F fn) {
    std::promise<decltype(fn())> done;
    b.post([&] { done.set_value(fn()); });
    return done.get_future().get();
  }
  // Waits, running a, until `pred` (evaluated on b) holds.
  template <class P>
  bool until_b(P pred) {
    return a.run_until([&] { return on_b(pred); }, 2s);
  }

  InprocSessionTest() {
    thread_ = std::thread([this] {
      while (!stop_.load()) b.run_once(20ms);
    });
    auto pair = InprocSession::make_pair(a, b_side, InprocOptions{"moqt-test", "", "inproc"});
    client = pair.first;
    // The server half goes to b with its handler set there, before anything is written.
    on_b([this, s = pair.second] {
      this->server = s;
      s->set_handler(&server_handler);
      return 0;
    });
    client->set_handler(&client_handler);
  }
  ~InprocSessionTest() override {
    on_b([this] {
      server.reset();
      return 0;
    });
    client.reset();
    stop_.store(true);
    b.post([] {});
    thread_.join();
  }

  EpollLoop a, b;
  CountingLoop b_side{b};                 // the server half's loop
  std::shared_ptr<InprocSession> client;  // on a
  std::shared_ptr<InprocSession> server;  // on b
  RecordingSession client_handler;
  RecordingSession server_handler;

 private:
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

TEST_F(InprocSessionTest, StreamBytesCrossBothWaysAsTheWritersBuffers) {
  auto request = SharedBytes::copy(std::string_view("subscribe please"));
  auto reply = SharedBytes::copy(std::string_view("here it is"));
  std::atomic<const std::uint8_t*> seen_on_b{nullptr};
  server_handler.incoming_hook = [&](Session&, Stream& s) {
    server_handler.by_id[s.id()]->data_hook = [&, &stream = s](Stream&, std::span<const std::uint8_t> d, bool fin) {
      if (!d.empty()) seen_on_b = d.data();
      if (fin) stream.write(reply, true);
    };
  };
  Stream* s = client->open_bidi();
  ASSERT_NE(s, nullptr);
  auto& mine = client_handler.attach(*s);
  const std::uint8_t* reply_seen = nullptr;
  mine.data_hook = [&](Stream&, std::span<const std::uint8_t> d, bool) {
    if (!d.empty()) reply_seen = d.data();
  };
  // b waits at a gate so that the task is still queued when the reference count is read:
  // on a busy machine b's thread could otherwise run it first.
  std::promise<void> gate;
  b.post([f = gate.get_future().share()] { f.wait(); });
  s->write(request, true);
  // Queued until b has run the task, which holds a reference instead of a copy.
  EXPECT_GE(request.use_count(), 2);
  gate.set_value();
  EXPECT_TRUE(a.run_until([&] { return mine.fin; }, 2s));
  EXPECT_EQ(seen_on_b.load(), request.data());
  EXPECT_EQ(reply_seen, reply.data());
  EXPECT_EQ(std::string(mine.data.begin(), mine.data.end()), "here it is");
  EXPECT_EQ(s->queued_bytes(), 0u);
  // Both directions done on both halves: the streams are released on both sides.
  EXPECT_TRUE(a.run_until([&] { return client->stream_count() == 0 && mine.closed; }, 2s));
  EXPECT_TRUE(until_b([&] { return server->stream_count() == 0; }));
  EXPECT_EQ(request.use_count(), 1);
  EXPECT_TRUE(on_b([&] { return server_handler.stream_handlers.front()->data == std::vector<std::uint8_t>(
                                  request.span().begin(), request.span().end()); }));
}

TEST_F(InprocSessionTest, WhatOneTurnWritesCrossesInOnePost) {
  std::atomic<int> chunks{0};
  std::atomic<bool> fin{false};
  server_handler.incoming_hook = [&](Session&, Stream& s) {
    server_handler.by_id[s.id()]->data_hook = [&](Stream&, std::span<const std::uint8_t> d, bool f) {
      if (!d.empty()) chunks.fetch_add(1);
      if (f) fin.store(true);
    };
  };
  Stream* uni = client->open_uni();
  ASSERT_NE(uni, nullptr);
  const int before = b_side.posts.load();
  // One turn of a's loop (the test thread owns it): 100 writes and the fin.
  for (int i = 0; i < 100; ++i) uni->write(SharedBytes::copy(std::string_view("object")), false);
  uni->finish();
  ASSERT_TRUE(a.run_until([&] { return fin.load(); }, 2s));
  EXPECT_EQ(chunks.load(), 100);
  // The batch, and the server half's own post to release the finished stream.
  EXPECT_LE(b_side.posts.load() - before, 2) << "posts to b for 100 writes";
}

TEST_F(InprocSessionTest, ResetAndStopSendingReachTheOtherSide) {
  Stream* uni = client->open_uni();
  ASSERT_NE(uni, nullptr);
  uni->write(SharedBytes::copy(std::string_view("partial")), false);
  uni->reset(7);
  EXPECT_TRUE(until_b([&] { return server_handler.stream_handlers.size() == 1 &&
                                   server_handler.stream_handlers[0]->reset == ErrorCode{7}; }));
  // From b: a bidi stream to a, which asks it to stop sending and resets its own direction.
  on_b([&] {
    auto* s = server->open_bidi();
    server_handler.attach(*s);
    s->write(SharedBytes::copy(std::string_view("x")), false);
    return 0;
  });
  ASSERT_TRUE(a.run_until([&] { return client_handler.incoming.size() == 1; }, 2s));
  Stream* from_b = client_handler.incoming.front();
  from_b->stop_sending(9);
  EXPECT_TRUE(until_b([&] {
    return server_handler.stream_handlers.size() == 2 && server_handler.stream_handlers[1]->stop_sending == ErrorCode{9};
  }));
}

TEST_F(InprocSessionTest, CloseFromTheServerSideReachesTheClient) {
  on_b([&] {
    server->close(42, "bye");
    return 0;
  });
  ASSERT_TRUE(a.run_until([&] { return client_handler.closed.has_value(); }, 2s));
  EXPECT_EQ(client_handler.closed->code, 42u);
  EXPECT_EQ(client_handler.closed->reason, "bye");
  EXPECT_TRUE(client_handler.closed->by_peer);
  EXPECT_EQ(client->open_bidi(), nullptr);
  EXPECT_TRUE(until_b([&] { return server_handler.closed.has_value() && !server_handler.closed->by_peer; }));
}

TEST_F(InprocSessionTest, CloseFromTheClientSideReachesTheServer) {
  client->close(5, "done");
  EXPECT_TRUE(until_b([&] { return server_handler.closed && server_handler.closed->code == 5 &&
                                   server_handler.closed->by_peer; }));
  EXPECT_TRUE(a.run_until([&] { return client_handler.closed.has_value(); }, 2s));
  EXPECT_FALSE(client_handler.closed->by_peer);
}

TEST_F(InprocSessionTest, HalvesDestroyedWhileTasksAreQueuedBothWays) {
  auto chunk = SharedBytes(std::vector<std::uint8_t>(4096, 0xab));
  // b answers every chunk it gets with the same bytes, so tasks flow both ways at once.
  server_handler.incoming_hook = [&](Session&, Stream& s) {
    server_handler.by_id[s.id()]->data_hook = [&stream = s, &chunk](Stream&, std::span<const std::uint8_t>, bool) {
      stream.write(chunk, false);
    };
  };
  Stream* s = client->open_bidi();
  client_handler.attach(*s);
  for (int i = 0; i < 500; ++i) s->write(chunk, false);
  // b drops its half with a's writes still queued on b and its answers queued on a.
  b.post([this] { server.reset(); });
  for (int i = 0; i < 500; ++i) s->write(chunk, false);
  a.run_until([&] { return client_handler.closed.has_value(); }, 2s);
  ASSERT_TRUE(client_handler.closed.has_value());
  EXPECT_TRUE(client_handler.closed->by_peer);
  // Then a drops its own with b's last tasks in flight; nothing may touch either afterwards.
  for (int i = 0; i < 100; ++i) s->write(chunk, false);
  client.reset();
  // Every task that held the chunk ran or was dropped: only our reference is left.
  EXPECT_TRUE(a.run_until([&] { return on_b([&] { return chunk.use_count(); }) == 1; }, 2s));
}

TEST_F(InprocSessionTest, BacklogIsCountedUntilDeliveredAndDrainingIsSignalled) {
  std::promise<void> release;
  auto released = release.get_future().share();
  // Stall b so that a's writes pile up.
  b.post([released] { released.wait(); });
  Stream* s = client->open_uni();
  auto& h = client_handler.attach(*s);
  const SharedBytes big(std::vector<std::uint8_t>(1 << 19, 1));  // four of these pass the 1 MiB mark
  for (int i = 0; i < 4; ++i) s->write(big, false);
  EXPECT_EQ(s->queued_bytes(), 4u << 19);
  release.set_value();
  // Signalled once, when the backlog fell to the low-water mark; then it drains to nothing.
  EXPECT_TRUE(a.run_until([&] { return h.writable == 1; }, 2s));
  EXPECT_LE(s->queued_bytes(), 1u << 20);
  EXPECT_TRUE(a.run_until([&] { return s->queued_bytes() == 0; }, 2s));
  EXPECT_EQ(h.writable, 1);
}

}  // namespace
}  // namespace kinetic::transport::inproc
