// Server TLS: a context from PEM files, and a self-signed certificate for first start.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/errors.h"

namespace parley::transport {

struct CertificatePaths {
  std::string cert_file;
  std::string key_file;
};

// Makes `dir`/tls-cert.pem and `dir`/tls-key.pem (EC P-256, CN=localhost, SAN localhost and
// 127.0.0.1, ten years) unless both already exist. The key file is created with mode 0600.
Result<CertificatePaths> ensure_self_signed_certificate(const std::string& dir);

// TLS 1.2+ server context from a PEM certificate chain and private key. `alpn`: the one
// application protocol (RFC 7301) its listeners speak ("xmpp-client", "http/1.1"), selected when
// the client offers it; a client that offers others or none goes on without ALPN. Empty: none.
Result<std::unique_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const CertificatePaths& paths, std::string_view alpn = {});

}  // namespace parley::transport
