#include "transport/tls_context.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <string_view>

#include "common/durable_file.h"
#include "transport/tls_session.h"

namespace parley::transport {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// The PEM text `writer` produces, replaced durably into `path`: a disk that fails soon after the
// first start must not leave an empty certificate, or the server could not start again.
Result<void> write_pem(const std::string& path, mode_t mode, auto&& writer) {
  std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>> bio(BIO_new(BIO_s_mem()));
  if (!bio || !writer(bio.get())) return fail(Errc::internal, "cannot encode " + path);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return replace_file_durably(path, std::string_view(data, static_cast<std::size_t>(size)), mode);
}

}  // namespace

Result<CertificatePaths> ensure_self_signed_certificate(const std::string& dir) {
  CertificatePaths paths{dir + "/tls-cert.pem", dir + "/tls-key.pem"};
  if (std::filesystem::exists(paths.cert_file) && std::filesystem::exists(paths.key_file)) {
    return paths;
  }
  std::filesystem::remove(paths.cert_file + ".tmp");
  std::filesystem::remove(paths.key_file + ".tmp");

  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return fail(Errc::internal, "EC key generation failed");
  CertPtr cert(X509_new());
  if (!cert) return fail(Errc::internal, "X509_new failed");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Parley"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (!add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
      !add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE")) {
    return fail(Errc::internal, "cannot add certificate extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return fail(Errc::internal, "certificate signing failed");
  }
  auto key_written = write_pem(paths.key_file, 0600, [&](BIO* f) {
    return PEM_write_bio_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  if (!key_written) return std::unexpected(key_written.error());
  auto cert_written = write_pem(paths.cert_file, 0644,
                                [&](BIO* f) { return PEM_write_bio_X509(f, cert.get()) == 1; });
  if (!cert_written) return std::unexpected(cert_written.error());
  return paths;
}

namespace {

// The ALPN lists of the contexts made, in wire format (length-prefixed names). Contexts are made
// at start-up and live as long as the process, so their lists do too.
const std::string& intern_alpn(std::string_view protocol) {
  static std::set<std::string> lists;
  std::string wire(1, static_cast<char>(protocol.size()));
  wire.append(protocol);
  return *lists.insert(std::move(wire)).first;
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void* arg) {
  const auto* ours = static_cast<const std::string*>(arg);
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(
          &selected, out_len, reinterpret_cast<const unsigned char*>(ours->data()),
          static_cast<unsigned int>(ours->size()), in, in_len) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // lenient: the client may still speak our protocol
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Result<std::unique_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const CertificatePaths& paths, std::string_view alpn) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  // OpenSSL frees a connection's read and write buffers (~34 KB) while it has nothing in flight:
  // idle TLS connections are most of a server's connections.
  SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  prepare_server_context(ctx->native_handle());
  if (!alpn.empty()) {
    if (alpn.size() > 255) return fail(Errc::invalid_argument, "ALPN name too long");
    SSL_CTX_set_alpn_select_cb(ctx->native_handle(), select_alpn,
                               const_cast<std::string*>(&intern_alpn(alpn)));
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(paths.cert_file, ec);
  if (ec)
    return fail(Errc::invalid_argument, "TLS certificate " + paths.cert_file + ": " + ec.message());
  ctx->use_private_key_file(paths.key_file, ssl::context::pem, ec);
  if (ec) return fail(Errc::invalid_argument, "TLS key " + paths.key_file + ": " + ec.message());
  return ctx;
}

}  // namespace parley::transport
