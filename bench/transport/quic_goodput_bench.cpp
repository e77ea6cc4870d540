// In-process raw QUIC goodput: a server and its clients on one EpollLoop over loopback,
// the server streaming N bytes from one shared buffer per request. Both ends share a core,
// so this tracks the per-byte cost across changes; bench/transport/run_goodput.sh measures
// two processes against the packaged ngtcp2 examples.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/perf_responder.hpp"
#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/transport/quic/quic_server.hpp"

namespace {

using namespace kinetic::transport;
using namespace kinetic::transport::quic;

struct ClientApp : SessionHandler, StreamHandler {
  bool ready = false;
  bool done = false;
  std::uint64_t received = 0;
  void on_ready(Session& s) override {
    (void)s;
    ready = true;
  }
  void on_incoming_stream(Session& s, Stream& stream) override {
    (void)s;
    (void)stream;
  }
  void on_data(Stream& s, std::span<const std::uint8_t> data, bool fin) override {
    (void)s;
    received += data.size();
    done = done || fin;
  }
  void on_closed(Session& s, const CloseInfo& info) override {
    (void)s;
    (void)info;
  }
};

void BM_QuicDownload(benchmark::State& state) {
  const auto connections = static_cast<int>(state.range(0));
  const std::uint64_t bytes = 64ull << 20;
  EpollLoop loop;
  PerfResponder server_app;
  QuicServerConfig sc;
  sc.listen = *SocketAddress::parse("127.0.0.1", 0);
  auto server = QuicServer::start(loop, sc, [&](SessionPtr s) { server_app.serve(std::move(s)); });
  if (!server) {
    state.SkipWithError("server did not start");
    return;
  }
  QuicClientConfig cc;
  cc.remote = (*server)->local_address();
  cc.verify_peer = false;
  auto client = QuicClient::create(loop, cc);
  std::vector<std::unique_ptr<ClientApp>> apps;
  std::vector<SessionPtr> sessions;
  for (int i = 0; i < connections; ++i) {
    apps.push_back(std::make_unique<ClientApp>());
    sessions.push_back(*(*client)->connect(apps.back().get()));
  }
  loop.run_until([&] { return std::all_of(apps.begin(), apps.end(), [](auto& a) { return a->ready; }); },
                 std::chrono::seconds(10));
  for (auto _ : state) {
    for (int i = 0; i < connections; ++i) {
      apps[i]->done = false;
      Stream* s = sessions[i]->open_bidi();
      if (s == nullptr) {
        state.SkipWithError("no stream credit");
        return;
      }
      s->set_handler(apps[i].get());
      s->write(std::span<const std::uint8_t>(perf_request(bytes)), true);
    }
    if (!loop.run_until([&] { return std::all_of(apps.begin(), apps.end(), [](auto& a) { return a->done; }); },
                        std::chrono::seconds(60))) {
      state.SkipWithError("download did not finish");
      return;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes * connections));
  for (auto& s : sessions) s->close(0, "done");
  loop.run_until([] { return false; }, std::chrono::milliseconds(20));
}
BENCHMARK(BM_QuicDownload)->Arg(1)->Arg(10)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
