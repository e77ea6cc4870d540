// What the webrtc layer takes from gst_support: GStreamer checked once for the elements WHIP and
// WHEP need (a missing plugin named with its Debian package), and a GLib thread that runs posted
// and repeated work in order on its own main context, the one libsoup's sources attach to.
#include "kinetic/webrtc/gst_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kinetic::webrtc {
namespace {

using namespace std::chrono_literals;

// Waits for `f` at most `limit`; false when it is not ready by then.
template <class T>
bool ready_within(std::future<T>& f, std::chrono::milliseconds limit = 5000ms) {
  return f.wait_for(limit) == std::future_status::ready;
}

TEST(GstSupport, InitialisingFindsEveryElementTheGatewayUses) {
  const Done first = init_gstreamer();
  if (!first) GTEST_SKIP() << "GStreamer plugins missing here: " << first.error().what;
  EXPECT_TRUE(gst_is_initialized());
  for (const char* name :
       {"webrtcbin", "nicesrc", "rtph264depay", "rtpopuspay", "h264parse", "appsrc", "appsink"}) {
    GstElementFactory* f = gst_element_factory_find(name);
    EXPECT_NE(f, nullptr) << name;
    if (f != nullptr) gst_object_unref(f);
  }
  EXPECT_TRUE(init_gstreamer()) << "a second call must give the first one's answer";
}

// With no plugins to load, every missing element is named with the Debian package that brings
// it, and asking again gives the same answer rather than a GStreamer half set up. Runs in a
// process of its own: GStreamer is initialised once per process.
TEST(GstSupport, MissingPluginsAreNamedWithTheirDebianPackages) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const auto empty =
      std::filesystem::temp_directory_path() / ("kinetic-no-plugins-" + std::to_string(getpid()));
  std::filesystem::create_directories(empty);
  EXPECT_EXIT(
      {
        ::setenv("GST_PLUGIN_SYSTEM_PATH_1_0", empty.c_str(), 1);
        ::setenv("GST_PLUGIN_SYSTEM_PATH", empty.c_str(), 1);
        ::setenv("GST_PLUGIN_PATH_1_0", empty.c_str(), 1);
        ::setenv("GST_PLUGIN_PATH", empty.c_str(), 1);
        ::setenv("GST_REGISTRY_1_0", (empty / "registry.bin").c_str(), 1);
        ::setenv("GST_REGISTRY_FORK", "no", 1);
        const Done first = init_gstreamer();
        const Done again = init_gstreamer();
        if (first || again) std::_Exit(1);
        if (first.error().what != again.error().what) std::_Exit(2);
        std::cerr << first.error().what << std::endl;
        std::_Exit(3);
      },
      ::testing::ExitedWithCode(3),
      "webrtcbin missing \\(Debian package gstreamer1\\.0-plugins-bad\\).*"
      "nicesrc missing \\(Debian package gstreamer1\\.0-nice\\).*"
      "rtpbin missing \\(Debian package gstreamer1\\.0-plugins-good\\).*"
      "appsrc missing \\(Debian package gstreamer1\\.0-plugins-base\\)");
  std::filesystem::remove_all(empty);
}

TEST(GstSupport, WallClockIsMicrosecondsSinceTheUnixEpoch) {
  // GLib's own wall clock, read on either side, bounds it.
  const gint64 before = g_get_real_time();
  const std::int64_t now = wall_us();
  const gint64 after = g_get_real_time();
  EXPECT_GE(now, before);
  EXPECT_LE(now, after);
}

TEST(GstSupport, ElementPtrDropsItsReference) {
  if (const Done ready = init_gstreamer(); !ready) GTEST_SKIP() << ready.error().what;
  GstElement* raw = gst_element_factory_make("fakesink", nullptr);
  ASSERT_NE(raw, nullptr);
  gst_object_ref_sink(raw);
  gst_object_ref(raw);  // the test's own, to watch the count
  {
    ElementPtr owned(raw);
    EXPECT_EQ(GST_OBJECT_REFCOUNT_VALUE(raw), 2);
  }
  EXPECT_EQ(GST_OBJECT_REFCOUNT_VALUE(raw), 1);
  gst_object_unref(raw);
  ElementPtr none;  // an empty one is allowed to go
}

TEST(GlibThread, PostedWorkRunsOnTheThreadInOrder) {
  GlibThread glib;
  std::mutex mu;
  std::vector<int> order;
  bool all_on_thread = true;
  for (int i = 0; i < 100; ++i) {
    glib.post([&, i] {
      std::lock_guard lock(mu);
      order.push_back(i);
      all_on_thread = all_on_thread && glib.on_thread();
    });
  }
  std::promise<void> done;
  auto finished = done.get_future();
  glib.post([&] { done.set_value(); });
  ASSERT_TRUE(ready_within(finished)) << "posted work did not run within 5 s";
  std::lock_guard lock(mu);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  EXPECT_TRUE(all_on_thread);
  EXPECT_FALSE(glib.on_thread()) << "the test's thread is not the GLib thread";
}

TEST(GlibThread, RunSyncReturnsAfterTheWorkRanThere) {
  GlibThread glib;
  bool ran_on_thread = false;
  int value = 0;
  glib.run_sync([&] {
    ran_on_thread = glib.on_thread();
    value = 42;
  });
  EXPECT_TRUE(ran_on_thread);
  EXPECT_EQ(value, 42);
}

// From the thread itself, waiting for the thread would never end: the work runs in place.
TEST(GlibThread, RunSyncOnTheThreadRunsInPlace) {
  auto glib = std::make_unique<GlibThread>();
  std::vector<std::string> steps;
  std::promise<void> done;
  auto finished = done.get_future();
  glib->post([&] {
    steps.emplace_back("before");
    glib->run_sync([&] { steps.emplace_back("inside"); });
    steps.emplace_back("after");
    done.set_value();
  });
  if (!ready_within(finished)) {
    (void)glib.release();  // its thread is stuck: joining it would hang the test too
    FAIL() << "run_sync from the GLib thread waited for itself";
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"before", "inside", "after"}));
}

// libsoup attaches its sources to the thread-default context of whoever calls it there.
TEST(GlibThread, ItsContextIsTheThreadDefaultThere) {
  GlibThread glib;
  GMainContext* seen = nullptr;
  glib.run_sync([&] { seen = g_main_context_get_thread_default(); });
  EXPECT_EQ(seen, glib.context());
  EXPECT_NE(glib.context(), g_main_context_default());
}

TEST(GlibThread, RepeatedWorkRunsUntilTheThreadGoes) {
  auto glib = std::make_unique<GlibThread>();
  auto count = std::make_shared<std::atomic<int>>(0);
  std::promise<void> third;
  auto three = third.get_future();
  glib->every(5, [count, &third] {
    if (++*count == 3) third.set_value();
  });
  ASSERT_TRUE(ready_within(three)) << "a 5 ms repetition ran " << count->load() << " times in 5 s";
  std::weak_ptr<std::atomic<int>> watched = count;
  count.reset();
  glib.reset();
  EXPECT_TRUE(watched.expired()) << "the repeated work outlived its GlibThread";
}

}  // namespace
}  // namespace kinetic::webrtc
