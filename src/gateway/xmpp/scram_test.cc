// SCRAM-SHA-1 / SCRAM-SHA-256: the RFCs' test vectors byte for byte, both sides, and refusals.
#include "gateway/xmpp/scram.h"

#include <gtest/gtest.h>

#include "gateway/xmpp/sasl.h"

namespace parley::xmpp {
namespace {

struct Vector {
  ScramHash hash;
  std::string client_nonce, client_first, server_first, client_final, server_final;
};

// RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 §3 (SCRAM-SHA-256); user "user", password "pencil".
const Vector kSha1{ScramHash::sha1,
                   "fyko+d2lbbFgONRv9qkxdawL",
                   "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
                   "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
                   "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                   "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
                   "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="};
const Vector kSha256{ScramHash::sha256,
                     "rOprNGfwEbeRWgbNEkqO",
                     "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
                     "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                     "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                     "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                     "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                     "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="};

class ScramVectors : public ::testing::TestWithParam<Vector> {};

TEST_P(ScramVectors, ClientProducesTheRfcMessages) {
  const Vector& v = GetParam();
  ScramClient client(v.hash, "user", "pencil", v.client_nonce);
  EXPECT_EQ(client.first_message(), v.client_first);
  auto final_message = client.receive_server_first(v.server_first);
  ASSERT_TRUE(final_message) << final_message.error().text;
  EXPECT_EQ(*final_message, v.client_final);
  EXPECT_TRUE(client.receive_server_final(v.server_final));
}

TEST_P(ScramVectors, ServerWithStoredKeysOnlyProducesTheRfcMessages) {
  const Vector& v = GetParam();
  // What the server stores: keys from the password, salt and iterations; then the password
  // is gone. The salt and server nonce are the RFC's.
  const auto server_first = parse_server_first(v.server_first);
  ASSERT_TRUE(server_first);
  auto credentials = derive_scram_credentials(v.hash, "pencil", server_first->salt, 4096);
  ASSERT_TRUE(credentials) << credentials.error().text;
  ScramServer server(v.hash);
  auto first = server.receive_client_first(v.client_first);
  ASSERT_TRUE(first) << first.error().text;
  EXPECT_EQ((*first)->username, "user");
  EXPECT_EQ((*first)->authzid, "");
  const std::string server_nonce = server_first->nonce.substr(v.client_nonce.size());
  EXPECT_EQ(server.challenge(*credentials, server_nonce), v.server_first);
  auto server_final = server.receive_client_final(v.client_final);
  ASSERT_TRUE(server_final) << server_final.error().text;
  EXPECT_EQ(*server_final, v.server_final);
}

TEST_P(ScramVectors, AWrongPasswordFailsWithNotAuthorized) {
  const Vector& v = GetParam();
  const auto salt = parse_server_first(v.server_first)->salt;
  auto credentials = derive_scram_credentials(v.hash, "pencil", salt, 4096);
  ScramClient client(v.hash, "user", "pen", v.client_nonce);
  ScramServer server(v.hash);
  ASSERT_TRUE(server.receive_client_first(client.first_message()));
  const std::string challenge = server.challenge(*credentials, "srv");
  auto final_message = client.receive_server_first(challenge);
  ASSERT_TRUE(final_message);
  auto result = server.receive_client_final(*final_message);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().condition, SaslCondition::not_authorized);
}

TEST_P(ScramVectors, ATamperedServerSignatureIsRefusedByTheClient) {
  const Vector& v = GetParam();
  ScramClient client(v.hash, "user", "pencil", v.client_nonce);
  ASSERT_TRUE(client.receive_server_first(v.server_first));
  std::string forged = v.server_final;
  forged[2] = forged[2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(client.receive_server_final(forged));
  EXPECT_FALSE(client.receive_server_final("e=invalid-proof"));
}

INSTANTIATE_TEST_SUITE_P(Rfc, ScramVectors, ::testing::Values(kSha1, kSha256),
                         [](const auto& param_info) {
                           return param_info.param.hash == ScramHash::sha1 ? "Sha1" : "Sha256";
                         });

// One full exchange between our client and server; returns the server's verdict on the proof.
std::expected<std::string, SaslFault> exchange(ScramServer& server, ScramClient& client,
                                               const ScramCredentials& credentials) {
  auto first = server.receive_client_first(client.first_message());
  if (!first) return std::unexpected(first.error());
  auto final_message = client.receive_server_first(server.challenge(credentials, "xyz"));
  if (!final_message) return std::unexpected(final_message.error());
  return server.receive_client_final(*final_message);
}

TEST(Scram, UsernamesAndAuthzidsAreEscapedAndUnescaped) {
  ScramClient client(ScramHash::sha256, "a,b=c", "pw", "n1", "admin,x@example.com");
  EXPECT_EQ(client.first_message(), "n,a=admin=2Cx@example.com,n=a=2Cb=3Dc,r=n1");
  auto credentials = derive_scram_credentials(ScramHash::sha256, "pw", "salt", 4096);
  ScramServer server(ScramHash::sha256);
  auto first = server.receive_client_first(client.first_message());
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)->username, "a,b=c");
  EXPECT_EQ((*first)->authzid, "admin,x@example.com");
  auto result = client.receive_server_first(server.challenge(*credentials, "s"));
  ASSERT_TRUE(result);
  EXPECT_TRUE(server.receive_client_final(*result));
}

TEST(Scram, SaslprepMakesEquivalentPasswordsEqual) {
  // U+00A0 (no-break space) maps to U+0020 and U+00AD (soft hyphen) to nothing (RFC 4013).
  auto stored = derive_scram_credentials(ScramHash::sha256, "I X", "salt", 4096);
  ASSERT_TRUE(stored);
  ScramServer server(ScramHash::sha256);
  ScramClient client(ScramHash::sha256, "user",
                     "I\xC2\xA0\xC2\xAD"
                     "X",
                     "n");
  EXPECT_TRUE(exchange(server, client, *stored));
  EXPECT_FALSE(saslprep("bad\x07", true)) << "control characters are prohibited";
  EXPECT_FALSE(derive_scram_credentials(ScramHash::sha1, std::string("a\0b", 3), "s", 1));
}

TEST(Scram, DecoyCredentialsFailLikeAWrongPassword) {
  const auto decoy = decoy_scram_credentials(ScramHash::sha256, "nobody", "server-secret");
  EXPECT_EQ(decoy, decoy_scram_credentials(ScramHash::sha256, "nobody", "server-secret"));
  EXPECT_NE(decoy.salt, decoy_scram_credentials(ScramHash::sha256, "other", "server-secret").salt);
  ScramServer server(ScramHash::sha256);
  ScramClient client(ScramHash::sha256, "nobody", "guess", "n");
  auto result = exchange(server, client, decoy);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().condition, SaslCondition::not_authorized);
}

TEST(Scram, ChannelBindingFlags) {
  auto credentials = derive_scram_credentials(ScramHash::sha1, "pencil", "salt", 4096);
  {
    ScramServer server(ScramHash::sha1);
    auto first = server.receive_client_first("p=tls-exporter,,n=user,r=abc");
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().condition, SaslCondition::malformed_request);
    EXPECT_NE(first.error().text.find("channel binding"), std::string::npos);
  }
  {
    ScramServer server(ScramHash::sha1);
    EXPECT_TRUE(server.receive_client_first("y,,n=user,r=abc")) << "'y' and no -PLUS: fine";
    server.challenge(*credentials, "s");
    // c= must echo the gs2 header: "y,," is "eSws"; the 'n' header "biws" does not match.
    auto result = server.receive_client_final("c=biws,r=abcs,p=AAAA");
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().text.find("channel binding"), std::string::npos);
  }
  {
    ScramServer server(ScramHash::sha1, ScramServer::Options{.channel_binding_offered = true});
    EXPECT_FALSE(server.receive_client_first("y,,n=user,r=abc")) << "a downgrade";
  }
}

TEST(Scram, TheServerChecksTheNonceAndTheOrder) {
  auto credentials = derive_scram_credentials(ScramHash::sha1, "pencil", "salt", 4096);
  ScramServer server(ScramHash::sha1);
  EXPECT_FALSE(server.receive_client_final("c=biws,r=x,p=AAAA")) << "final before first";
  ScramServer second(ScramHash::sha1);
  ASSERT_TRUE(second.receive_client_first("n,,n=user,r=abc"));
  second.challenge(*credentials, "def");
  auto result = second.receive_client_final("c=biws,r=abcXYZ,p=AAAA");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().text, "wrong nonce");
  EXPECT_FALSE(second.receive_client_final("c=biws,r=abcdef,p=AAAA")) << "failed stays failed";
}

TEST(Scram, TheClientRefusesABadServerFirst) {
  ScramClient a(ScramHash::sha1, "user", "pencil", "abc");
  EXPECT_FALSE(a.receive_server_first("r=xyzdef,s=c2FsdA==,i=4096")) << "nonce not extended";
  ScramClient b(ScramHash::sha1, "user", "pencil", "abc");
  EXPECT_FALSE(b.receive_server_first("r=abc,s=c2FsdA==,i=4096")) << "no server part";
  ScramClient c(ScramHash::sha1, "user", "pencil", "abc");
  EXPECT_FALSE(c.receive_server_first("r=abcd,s=c2FsdA==,i=4000000000")) << "too much work";
}

TEST(ScramMessages, ClientFirstRules) {
  EXPECT_TRUE(parse_client_first("n,,n=user,r=abc"));
  EXPECT_TRUE(parse_client_first("n,,n=user,r=abc,x=ext")) << "unknown extensions are ignored";
  EXPECT_FALSE(parse_client_first("n,,m=ext,n=user,r=abc")) << "reserved m= must fail";
  EXPECT_FALSE(parse_client_first("n,,n=us=er,r=abc")) << "'=' must be =2C or =3D";
  EXPECT_FALSE(parse_client_first("n,,n=user=2,r=abc"));
  EXPECT_FALSE(parse_client_first("n,,n=,r=abc"));
  EXPECT_FALSE(parse_client_first("n,,r=abc,n=user")) << "order matters";
  EXPECT_FALSE(parse_client_first("x,,n=user,r=abc"));
  EXPECT_FALSE(parse_client_first("n,b=z,n=user,r=abc"));
  EXPECT_FALSE(parse_client_first("n,,n=user,r=a\x7F"));
  EXPECT_FALSE(parse_client_first("n,,n=user,r="));
  EXPECT_FALSE(parse_client_first("n,,n=user,r=abc,"));
  EXPECT_FALSE(parse_client_first("n,,n=user,r=" + std::string(kScramMaxNonce + 1, 'a')));
  EXPECT_FALSE(parse_client_first(""));
  EXPECT_FALSE(parse_client_first(std::string(kScramMaxMessage + 1, 'n')));
  const auto parsed = parse_client_first("n,a=x,n=user,r=abc");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->gs2_header, "n,a=x,");
  EXPECT_EQ(parsed->bare, "n=user,r=abc");
}

TEST(ScramMessages, OtherMessages) {
  EXPECT_FALSE(parse_server_first("r=abc,s=!!!!,i=4096"));
  EXPECT_FALSE(parse_server_first("r=abc,s=c2FsdA==,i=0"));
  EXPECT_FALSE(parse_server_first("r=abc,s=c2FsdA==,i=-1"));
  EXPECT_FALSE(parse_server_first("r=abc,s=c2FsdA==,i=99999999999"));
  EXPECT_FALSE(parse_server_first("m=x,r=abc,s=c2FsdA==,i=1"));
  EXPECT_FALSE(parse_client_final("c=biws,r=abc"));
  EXPECT_FALSE(parse_client_final("c=biws,r=abc,p="));
  EXPECT_FALSE(parse_client_final("c=b!ws,r=abc,p=AAAA"));
  const auto final_message = parse_client_final("c=biws,r=abc,x=1,p=AAAA");
  ASSERT_TRUE(final_message);
  EXPECT_EQ(final_message->without_proof, "c=biws,r=abc,x=1");
  EXPECT_EQ(final_message->channel_binding, "n,,");
  EXPECT_EQ(parse_server_final("e=unknown-user")->error, "unknown-user");
  EXPECT_FALSE(parse_server_final("x=1"));
  EXPECT_EQ(escape_saslname("a,=b"), "a=2C=3Db");
  EXPECT_EQ(unescape_saslname("a=2C=3Db"), "a,=b");
  EXPECT_FALSE(unescape_saslname("a=2"));
}

}  // namespace
}  // namespace parley::xmpp
