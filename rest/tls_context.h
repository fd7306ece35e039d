// The OpenSSL context of the REST server's https listeners, built from a TlsConfig
// (rest_config.h): the server's private key and certificate chain from a PEM file, inline PEM, or a
// PKCS12 file; the trust store (PEM or PKCS12) that client certificates are checked against when
// ssl.client.auth is requested or required; the enabled protocol versions.
//
// Errors are invalid_argument naming the key and OpenSSL's reason, never a password or key.
// Thread-safety: the returned context is shared by every TLS connection; OpenSSL contexts are
// safe to use from many connections at once once built.
#pragma once

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "common/result.h"
#include "rest/rest_config.h"

namespace ferry::rest {

Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const TlsConfig& config);

}  // namespace ferry::rest
