// Precompiled into every library and test program: the standard library and, where the target
// links them, spdlog/fmt and GoogleTest. Parsing these again in each file was a large share of
// a clean build's compile time (a test file spent ~6 s of its ~17 s on headers alone).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

// Defined by the spdlog and GTest targets for whatever links them, so a target gets the
// headers exactly when it can use them, with the same configuration.
#if defined(SPDLOG_FMT_EXTERNAL)
#include <spdlog/spdlog.h>
#endif
#if defined(GTEST_HAS_PTHREAD)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#endif
