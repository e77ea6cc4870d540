#include "kinetic/webrtc/http_server.hpp"

#include <libsoup/soup.h>

#include <algorithm>
#include <cctype>

namespace kinetic::webrtc {

struct HttpServer::Impl {
  SoupServer* server = nullptr;
  Handler handler;
};

namespace {

void add_cors(SoupMessageHeaders* h) {
  soup_message_headers_replace(h, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace(h, "Access-Control-Allow-Methods", "POST, DELETE, PATCH, OPTIONS");
  soup_message_headers_replace(h, "Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match");
  soup_message_headers_replace(h, "Access-Control-Expose-Headers", "Location, ETag, Link, Accept-Patch");
}

void respond(SoupServerMessage* msg, const HttpResponse& r) {
  SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
  add_cors(h);
  for (const auto& [name, value] : r.headers) soup_message_headers_replace(h, name.c_str(), value.c_str());
  soup_server_message_set_status(msg, r.status, nullptr);
  soup_server_message_set_response(msg, r.body.empty() ? nullptr : r.content_type.c_str(), SOUP_MEMORY_COPY,
                                   r.body.data(), r.body.size());
}

void on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer data) {
  auto* impl = static_cast<HttpServer::Impl*>(data);
  HttpRequest req;
  req.method = soup_server_message_get_method(msg);
  req.path = path != nullptr ? path : "/";
  SoupMessageHeaders* h = soup_server_message_get_request_headers(msg);
  if (const char* type = soup_message_headers_get_content_type(h, nullptr)) {
    req.content_type = type;
    std::transform(req.content_type.begin(), req.content_type.end(), req.content_type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  if (const char* auth = soup_message_headers_get_one(h, "Authorization")) req.authorization = auth;
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  if (body != nullptr && body->length > 0) {
    if (static_cast<std::size_t>(body->length) > kMaxRequestBody) {
      respond(msg, {413, "text/plain", "request body too large\n", {}});
      return;
    }
    req.body.assign(body->data, static_cast<std::size_t>(body->length));
  }
  respond(msg, impl->handler(req));
}

// Refuses an oversized body without keeping it. libsoup answers a client that sent
// `Expect: 100-continue` at once; any other client's body is still read, so it is dropped as it
// comes rather than held in memory.
void refuse_body(SoupServerMessage* msg) {
  respond(msg, {413, "text/plain", "request body too large\n", {}});
  soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
}

// A body announced (Content-Length) over the limit.
void on_headers(SoupServerMessage* msg, gpointer) {
  SoupMessageHeaders* h = soup_server_message_get_request_headers(msg);
  const goffset length = soup_message_headers_get_content_length(h);
  if (length > static_cast<goffset>(kMaxRequestBody)) refuse_body(msg);
}

// A chunked body, which announces no length, once what has come is over the limit.
void on_chunk(SoupServerMessage* msg, GBytes*, gpointer) {
  if (soup_server_message_get_status(msg) != 0) return;
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  if (static_cast<std::size_t>(body->length) > kMaxRequestBody) refuse_body(msg);
}

void on_request_started(SoupServer*, SoupServerMessage* msg, gpointer) {
  g_signal_connect(msg, "got-headers", G_CALLBACK(on_headers), nullptr);
  g_signal_connect(msg, "got-chunk", G_CALLBACK(on_chunk), nullptr);
}

}  // namespace

Outcome<std::unique_ptr<HttpServer>> HttpServer::listen(GlibThread& glib, const std::string& host,
                                                             std::uint16_t port, Handler handler) {
  std::unique_ptr<HttpServer> self(new HttpServer());
  self->glib_ = &glib;
  self->impl_ = std::make_unique<Impl>();
  self->impl_->handler = std::move(handler);
  std::string error;
  glib.run_sync([&] {
    Impl& impl = *self->impl_;
    impl.server = soup_server_new("server-header", "kinetic-whip ", nullptr);
    soup_server_add_handler(impl.server, nullptr, on_request, &impl, nullptr);
    g_signal_connect(impl.server, "request-started", G_CALLBACK(on_request_started), nullptr);
    GSocketAddress* addr = g_inet_socket_address_new_from_string(host.c_str(), port);
    if (addr == nullptr) {
      error = "not an IP address: " + host;
      return;
    }
    GError* err = nullptr;
    if (soup_server_listen(impl.server, addr, static_cast<SoupServerListenOptions>(0), &err) == FALSE) {
      error = err != nullptr ? err->message : "cannot listen";
      if (err != nullptr) g_error_free(err);
    } else {
      GSList* uris = soup_server_get_uris(impl.server);
      if (uris != nullptr) self->port_ = static_cast<std::uint16_t>(g_uri_get_port(static_cast<GUri*>(uris->data)));
      g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
    }
    g_object_unref(addr);
  });
  if (!error.empty()) return refused(error);
  return Outcome<std::unique_ptr<HttpServer>>(std::move(self));
}

HttpServer::~HttpServer() {
  if (impl_ && impl_->server != nullptr) {
    glib_->run_sync([this] {
      soup_server_disconnect(impl_->server);
      g_object_unref(impl_->server);
      impl_->server = nullptr;
    });
  }
}

}  // namespace kinetic::webrtc
