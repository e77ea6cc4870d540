// `kinetic cert --out DIR [--host NAME]...`: a self-signed ECDSA P-256 certificate that
// browsers accept through WebTransport's serverCertificateHashes, and its SHA-256.
#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"
#include "kinetic/transport/certificate.hpp"

namespace kinetic::app::cmd_cert {
namespace {

struct CertOptions {
  std::string out = ".";
  std::vector<std::string> hosts;
  int days = 13;
};

int run_cert(const CertOptions& o) {
  kinetic::transport::CertificateOptions options;
  if (!o.hosts.empty()) options.hosts = o.hosts;
  options.validity = std::chrono::hours(24 * o.days);
  auto pair = kinetic::transport::CertificateKeyPair::generate(options);
  if (!pair) {
    std::cerr << "kinetic cert: " << pair.error().what << "\n";
    return 1;
  }
  if (auto st = pair->write(o.out); !st) {
    std::cerr << "kinetic cert: cannot write into " << o.out << ": " << st.error().what << "\n";
    return 1;
  }
  auto digest = pair->sha256();
  if (!digest) {
    std::cerr << "kinetic cert: " << digest.error().what << "\n";
    return 1;
  }
  std::cout << "wrote " << o.out << "/cert.pem and " << o.out << "/key.pem\n"
            << "sha256 hex:    " << kinetic::transport::to_hex(*digest) << "\n"
            << "sha256 base64: " << kinetic::transport::to_base64(*digest) << "\n";
  return 0;
}

const kinetic::app::RegisterCommand kRegister([](CLI::App& app) {
  auto opts = std::make_shared<CertOptions>();
  auto* sub = app.add_subcommand("cert", "Make a self-signed ECDSA P-256 certificate (<= 14 days) and print its SHA-256");
  sub->add_option("--out", opts->out, "Directory for cert.pem and key.pem")->required();
  sub->add_option("--host", opts->hosts, "DNS name or IP address to certify (repeatable; default localhost, 127.0.0.1, ::1)");
  sub->add_option("--days", opts->days, "Validity in days (browsers accept at most 14)")->check(CLI::Range(1, 14));
  return kinetic::app::Command{sub, [opts] { return run_cert(*opts); }};
});

}  // namespace
}  // namespace kinetic::app::cmd_cert
