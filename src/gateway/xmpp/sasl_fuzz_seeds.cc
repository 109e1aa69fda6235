// Seed inputs for the SASL/JID fuzz target: the RFC 5802 and RFC 7677 exchanges (first line
// client-first or server-first, the rest the final message), PLAIN, payloads and JIDs.
#include <string>
#include <vector>

std::vector<std::string> fuzz_seeds() {
  return {
      "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL\n"
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=16\n"
      "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
      "y,a=admin=2Cx@example.com,n=a=2Cb=3Dc,r=abc,x=ext\nc=eSws,r=abc3rfc,y=1,p=AAAA",
      "p=tls-exporter,,n=user,r=abc\nm=1,c=biws",
      std::string("juliet@example.com\0juliet\0r0m30", 31),
      "biwsbj1qdWxpZXQscj0yNzQ1OTkxODgxNjgzODQ5",
      "=",
      "juliet@Example.COM./balcony@home/2",
      "room@conference.example.com/\xF0\x9F\x93\xB1 phone",
      "a@[::1]/r",
      "e=invalid-proof",
  };
}
