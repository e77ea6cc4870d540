# Shared build rules: one static library per layer, one test program per test file.

set(KINETIC_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Clang's -Wall has -Woverloaded-virtual (GCC's does not): it takes a handler of two interfaces
  # with same-named callbacks (GapFill is both a subscription's and a fetch's handler) for a mistake.
  list(APPEND KINETIC_WARNINGS -Wno-overloaded-virtual)
endif()
if(KINETIC_WERROR)
  list(APPEND KINETIC_WARNINGS -Werror)
endif()

set(KINETIC_SAN_FLAGS "")
if(KINETIC_SANITIZE)
  set(KINETIC_SAN_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${KINETIC_SAN_FLAGS})
  add_link_options(${KINETIC_SAN_FLAGS})
endif()

# Test programs are compiled without optimisation: the libraries under test keep theirs, and
# optimising the test files' gtest/fmt template code was over half of a clean build's compile time.
set(KINETIC_TEST_OPTIONS ${KINETIC_WARNINGS} -O0)

# One precompiled header per library, and one per test directory shared by its programs (they
# are compiled with the same flags): see cmake/pch/kinetic_pch.hpp.
option(KINETIC_PCH "Precompile the standard, spdlog and GoogleTest headers" ON)
set(KINETIC_PCH_HEADER ${CMAKE_CURRENT_LIST_DIR}/pch/kinetic_pch.hpp)

# kinetic_layer(<layer> SOURCES ... [DEPS ...]) makes target kinetic_<layer>.
function(kinetic_layer layer)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_SOURCES)
    # A layer with headers only so far.
    add_library(kinetic_${layer} INTERFACE)
    target_include_directories(kinetic_${layer} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(kinetic_${layer} INTERFACE ${ARG_DEPS})
  else()
    add_library(kinetic_${layer} STATIC ${ARG_SOURCES})
    target_include_directories(kinetic_${layer} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_compile_options(kinetic_${layer} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${KINETIC_WARNINGS}>)
    target_link_libraries(kinetic_${layer} PUBLIC ${ARG_DEPS})
    if(KINETIC_PCH)
      target_precompile_headers(kinetic_${layer} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${KINETIC_PCH_HEADER}>)
    endif()
  endif()
  add_library(kinetic::${layer} ALIAS kinetic_${layer})
endfunction()

# kinetic_tests(<layer> [DEPS ...] [BROWSER ...]): every tests/<layer>/**/*_test.cpp becomes its
# own program, so one broken test file never hides the others. BROWSER names the files (path below
# tests/<layer>/ without .cpp) whose tests drive headless Chromium: they take the `browser` lock.
function(kinetic_tests layer)
  cmake_parse_arguments(ARG "" "" "DEPS;BROWSER" ${ARGN})
  file(GLOB_RECURSE test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  set(pch_owner "")
  foreach(src IN LISTS test_sources)
    # Target name from the path below tests/<layer>/, so quic/session_test.cpp and
    # memory/session_test.cpp do not collide.
    file(RELATIVE_PATH rel ${CMAKE_CURRENT_SOURCE_DIR} ${src})
    string(REGEX REPLACE "\\.cpp$" "" rel ${rel})
    string(REPLACE "/" "_" name ${rel})
    set(target ${layer}_${name})
    add_executable(${target} ${src})
    target_compile_options(${target} PRIVATE ${KINETIC_TEST_OPTIONS})
    target_compile_definitions(${target} PRIVATE
      KINETIC_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      KINETIC_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared"
      KINETIC_BINARY_DIR="${PROJECT_BINARY_DIR}")
    target_link_libraries(${target} PRIVATE kinetic::${layer} ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
    if(KINETIC_PCH AND pch_owner)
      target_precompile_headers(${target} REUSE_FROM ${pch_owner})
    elseif(KINETIC_PCH)
      target_precompile_headers(${target} PRIVATE ${KINETIC_PCH_HEADER})
      set(pch_owner ${target})
    endif()
    if(rel IN_LIST ARG_BROWSER)
      gtest_discover_tests(${target} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 30
        PROPERTIES LABELS ${layer} RESOURCE_LOCK browser)
    else()
      gtest_discover_tests(${target} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 30
        PROPERTIES LABELS ${layer})
    endif()
  endforeach()
endfunction()

if(KINETIC_FUZZ)
  # Coverage instrumentation for the libraries the fuzzers link; the fuzz targets add the driver.
  # The sanitizer tree is also the fuzz tree (one build of the layers instead of two): its tests
  # link the same instrumented libraries, whose coverage hooks the ASan runtime answers.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
